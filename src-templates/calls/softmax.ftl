static const td_softmax_args ${c.id} = {.y = ${c.y}, .x = ${c.x}, .outer = ${c.outer}, .n = ${c.n}, .inner = ${c.inner}};
