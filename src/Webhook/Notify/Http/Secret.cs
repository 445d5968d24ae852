namespace Webhook.Notify.Http;

/// <summary>
/// A webhook URL, bot token or signing key. Its ToString is a mask, so string interpolation, structured
/// logging, a record's printed form or an exception message cannot leak it; only <see cref="Reveal"/> can.
/// </summary>
public sealed class Secret(string value)
{
    private readonly string _value = value;

    public string Reveal() => _value;
    public bool IsEmpty => string.IsNullOrWhiteSpace(_value);
    public override string ToString() => "****";

    public static Secret? From(string? value) => string.IsNullOrWhiteSpace(value) ? null : new Secret(value.Trim());
}
