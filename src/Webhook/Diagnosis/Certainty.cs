namespace Webhook.Diagnosis;

/// <summary>
/// How sure a diagnosis is, in words. At or above <see cref="Firm"/> a message states the cause; from
/// <see cref="Likely"/> it says "Likely …", below it "Possibly …", and both name the runner-up. The bands are
/// checked against the corpus (tests/corpus/REPORT.md, "Calibration").
/// </summary>
public static class Certainty
{
    public const double Firm = 0.75;
    public const double Likely = 0.5;

    public static string Of(double confidence, string cause) =>
        cause == Causes.Unknown ? "unknown"
        : confidence >= Firm ? "certain"
        : confidence >= Likely ? "likely"
        : "possible";

    /// <summary>"", "Likely: " or "Possibly: " to put before a headline.</summary>
    public static string Prefix(double confidence, string cause) => Of(confidence, cause) switch
    {
        "likely" => "Likely ",
        "possible" => "Possibly ",
        _ => "",
    };
}
