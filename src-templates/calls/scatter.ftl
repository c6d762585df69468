static const td_scatter_args ${c.id} = {.y_size = ${c.ySize}, .copy = ${copy(c.copy)}};
