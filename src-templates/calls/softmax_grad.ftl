static const ${c.structType} ${c.id} = {.dx = ${c.dx}, .dy = ${c.dy}, .y = ${c.y}, .outer = ${c.outer}, .n = ${c.n}, .inner = ${c.inner}};
