namespace Webhook.Bundles;

/// <summary>A bundle that cannot be read; the message is one line fit for a terminal.</summary>
public sealed class BundleException(string message, Exception? inner = null) : Exception(message, inner);
