<#-- The constant argument struct of every kernel call (included once by network.c.ftl): its fields
     come from the call's record (KernelCall: one definition with the typedef of kernels/td_args.h). -->
<#-- Written straight to the output by macros, not built as strings by functions: a 100k-node step
     renders some 100k initializers, and string building was half of network.c's rendering time. -->
<#-- A C initializer list of ints; C99 has no empty braces, so an empty list is {0}. -->
<#macro ints xs><#if xs?size == 0>{0}<#else>{<#list xs as x>${x}<#sep>, </#list>}</#if></#macro>
<#-- One field's value: C text, an int array, rows of int arrays, or a nested struct. -->
<#macro value f><#if f.nested??><@init f.nested/><#elseif f.rows??>{<#list f.rows as r><@ints r/><#sep>, </#list>}<#elseif f.ints??><@ints f.ints/><#else>${f.text}</#if></#macro>
<#-- A designated initializer {.field = value, ...}. -->
<#macro init fs>{<#list fs as f>.${f.field} = <@value f/><#sep>, </#list>}</#macro>
<#-- A kernel call: the index arrays it points at, then its argument struct. -->
<#macro call c>
<#list c.arrays as a>
static const int32_t ${a.name}[] = <@ints a.values/>;
</#list>
static const ${c.structType} ${c.id} = <@init c.fields/>;
</#macro>
