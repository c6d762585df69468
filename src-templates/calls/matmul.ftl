static const int32_t ma_${c.id}[] = ${ints(c.aOff)};
static const int32_t mb_${c.id}[] = ${ints(c.bOff)};
static const ${c.structType} ${c.id} = {.y = ${c.y}, .a = ${c.a}, .b = ${c.b}, .a_off = ma_${c.id}, .b_off = mb_${c.id}, .batch = ${c.batch}, .m = ${c.m}, .k = ${c.k}, .n = ${c.n}};
