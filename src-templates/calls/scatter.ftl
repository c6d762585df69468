static const td_scatter_args ${c.id} = {.y_size = ${c.ySize}, .fill = ${c.fill}, .copy = ${copy(c.copy)}};
