using Webhook.Notify.Safety;

namespace Webhook.Observability;

/// <summary>
/// Runs every log line of every provider through the secret redactor: messages, structured values and
/// exceptions. Our own logs quote crash logs, labels and HTTP failures, and must not leak what chats must not.
/// </summary>
public sealed class RedactingLoggerProvider(ILoggerProvider inner, SecretRedactor redactor) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redactor);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) =>
        (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary>Wraps every registered logger provider; call after the providers are configured.</summary>
    public static void Register(IServiceCollection services)
    {
        var providers = services.Where(d => d.ServiceType == typeof(ILoggerProvider)).ToList();
        foreach (var descriptor in providers)
        {
            services.Remove(descriptor);
            services.Add(ServiceDescriptor.Singleton<ILoggerProvider>(sp =>
                new RedactingLoggerProvider(Create(sp, descriptor), sp.GetService<SecretRedactor>() ?? SecretRedactor.Default)));
        }
    }

    static ILoggerProvider Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        (ILoggerProvider)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));

    sealed class RedactingLogger(ILogger inner, SecretRedactor redactor) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = redactor.Redact(formatter(state, exception));
            var values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value is string s ? redactor.Redact(s) : p.Value)).ToList()
                : [];
            inner.Log(logLevel, eventId, new RedactedState(message, values),
                exception is null ? null : new RedactedException(exception, redactor), static (s, _) => s.Message);
        }
    }

    sealed class RedactedState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;
        public KeyValuePair<string, object?> this[int index] => values[index];
        public int Count => values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => message;
    }

    sealed class RedactedException(Exception inner, SecretRedactor redactor) : Exception(redactor.Redact(inner.Message))
    {
        public override string? StackTrace => inner.StackTrace;
        public override string ToString() => redactor.Redact(inner.ToString());
    }
}
