using BenchmarkDotNet.Running;

namespace Webhook.Benchmarks;

// A named class, not top-level statements: the service already defines the global Program type.
public static class BenchmarkProgram
{
    // Pick benchmarks with --filter, e.g. --filter '*Classif*'.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
