static const ${c.structType} ${c.id} = {.y = ${c.y}, .x = ${c.x}, .w = ${c.w}, .b = ${c.b}, .col = ${c.col}, .g = ${conv(c.g)}};
