static const td_pool_args ${c.id} = {.out = ${c.out}, .in = ${c.in}, .x = ${c.x}, .g = ${pool(c.g)}};
