static const ${c.structType} ${c.id} = {.y_size = ${c.ySize}, .fill = ${c.fill}, .copy = ${copy(c.copy)}};
