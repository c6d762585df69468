static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .outer = ${c.outer}, .n = ${c.n}, .inner = ${c.inner}};
