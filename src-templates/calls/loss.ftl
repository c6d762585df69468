static const ${c.structType} ${c.id} = {.out = ${c.out}, .z = ${c.z}, .labels64 = ${c.labels64}, .labels32 = ${c.labels32}, .target = ${c.target}, .dl = ${c.dl}, .n = ${c.n}, .c = ${c.c}};
