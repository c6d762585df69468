static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .n = ${c.n}, .op = ${c.op}, .lo = ${c.lo}, .hi = ${c.hi}};
