static const td_copy_args ${c.id} = ${copy(c)};
