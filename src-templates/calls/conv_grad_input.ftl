static const td_conv_grad_input_args ${c.id} = {.dx = ${c.dx}, .dy = ${c.dy}, .w = ${c.w}, .g = ${conv(c.g)}};
