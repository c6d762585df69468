static const td_cast_args ${c.id} = {.y = ${c.y}, .x = ${c.x}, .n = ${c.n}, .from = ${c.from}, .to = ${c.to}};
