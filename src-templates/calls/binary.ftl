static const td_binary_args ${c.id} = {.y = ${c.y}, .a = ${c.a}, .b = ${c.b}, .op = ${c.op}, .view = ${bcast(c.view)}};
