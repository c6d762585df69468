static const ${c.structType} ${c.id} = {.dx = ${c.dx}, .dy = ${c.dy}, .saved = ${c.saved}, .n = ${c.n}, .op = ${c.op}, .lo = ${c.lo}, .hi = ${c.hi}};
