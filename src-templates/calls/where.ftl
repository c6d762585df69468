static const td_where_args ${c.id} = {.y = ${c.y}, .cond = ${c.cond}, .a = ${c.a}, .b = ${c.b}, .view = ${bcast(c.view)}};
