static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .n = ${c.n}, .from = ${c.from}, .to = ${c.to}};
