static const td_conv_grad_weight_args ${c.id} = {.dw = ${c.dw}, .dy = ${c.dy}, .x = ${c.x}, .g = ${conv(c.g)}};
