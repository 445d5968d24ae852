using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Webhook.Operations;

/// <summary>
/// <c>[Range(typeof(TimeSpan), min, max)]</c> without its cost under Native AOT: RangeAttribute converts its bounds
/// with a TypeConverter looked up by reflection (marked RequiresUnreferencedCode); TimeSpan.Parse needs none.
/// A null value is valid, as with RangeAttribute.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan t || (t >= Minimum && t <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.InvariantCulture, ErrorMessageString, name, minimum, maximum);
}

/// <summary>
/// <c>[MinLength(n)]</c> for collections without its reflection fallback (it looks for a Count property by
/// reflection on types that are not ICollection, which Native AOT cannot follow). A null value is valid.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinCountAttribute(int count) : ValidationAttribute("The field {0} must have at least {1} item(s).")
{
    public override bool IsValid(object? value) => value is not ICollection c || c.Count >= count;

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.InvariantCulture, ErrorMessageString, name, count);
}
