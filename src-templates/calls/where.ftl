static const ${c.structType} ${c.id} = {.y = ${c.y}, .cond = ${c.cond}, .a = ${c.a}, .b = ${c.b}, .view = ${bcast(c.view)}};
