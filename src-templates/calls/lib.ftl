<#-- The constant argument struct of every kernel call (included once by network.c.ftl): its fields
     come from the call's record (KernelCall: one definition with the typedef of kernels/td_args.h). -->
<#-- A C initializer list of ints; C99 has no empty braces, so an empty list is {0}. -->
<#function ints xs><#if xs?size == 0><#return "{0}"></#if><#return "{" + xs?join(", ") + "}"></#function>
<#-- One field's value: C text, an int array, rows of int arrays, or a nested struct. -->
<#function value f>
<#if f.nested??><#return init(f.nested)></#if>
<#if f.rows??><#local s = "{"><#list f.rows as r><#local s = s + ints(r)><#if r?has_next><#local s = s + ", "></#if></#list><#return s + "}"></#if>
<#if f.ints??><#return ints(f.ints)></#if>
<#return f.text>
</#function>
<#-- A designated initializer {.field = value, ...}. -->
<#function init fs><#local s = "{"><#list fs as f><#local s = s + "." + f.field + " = " + value(f)><#if f?has_next><#local s = s + ", "></#if></#list><#return s + "}"></#function>
<#-- A kernel call: the index arrays it points at, then its argument struct. -->
<#macro call c>
<#list c.arrays as a>
static const int32_t ${a.name}[] = ${ints(a.values)};
</#list>
static const ${c.structType} ${c.id} = ${init(c.fields)};
</#macro>
