static const ${c.structType} ${c.id} = {.out = ${c.out}, .in = ${c.in}, .x = ${c.x}, .g = ${pool(c.g)}};
