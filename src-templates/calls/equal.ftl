static const ${c.structType} ${c.id} = {.y = ${c.y}, .a = ${c.a}, .b = ${c.b}, .is_int64 = ${c.int64}, .view = ${bcast(c.view)}};
