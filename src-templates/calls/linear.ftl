static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .w = ${c.w}, .b = ${c.b}, .r = ${c.r}, .rows = ${c.rows}, .k = ${c.k}, .n = ${c.n}, .trans_w = ${c.transW}, .alpha = ${c.alpha}};
