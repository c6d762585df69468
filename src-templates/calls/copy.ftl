static const ${c.structType} ${c.id} = ${copy(c)};
