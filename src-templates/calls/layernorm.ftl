static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .gamma = ${c.gamma}, .beta = ${c.beta}, .rows = ${c.rows}, .n = ${c.n}, .eps = ${c.eps}};
