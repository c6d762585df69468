static const ${c.structType} ${c.id} = {.y = ${c.y}, .a = ${c.a}, .b = ${c.b}, .op = ${c.op}, .view = ${bcast(c.view)}};
