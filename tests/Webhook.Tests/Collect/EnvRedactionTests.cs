using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Tests.Diagnosis;

namespace Webhook.Tests.Collect;

/// <summary>The env policy of the collector: addresses stay, everything else of a literal value goes.</summary>
public class EnvRedactionTests
{
    public static TheoryData<string, string, string> Kept => new()
    {
        // A DSN with a password: the host and port stay, the user, password and database go, and the value says it was cut.
        { "DATABASE_URL", "postgres://app:s3cr3t@db.shop.svc:5432/app", "postgres://db.shop.svc:5432 (redacted)" },
        { "ES_SERVER_URLS", "http://jaeger-elasticsearch-client:9200", "http://jaeger-elasticsearch-client:9200" },
        { "ES_SERVER_URLS", "http://es-0:9200/, http://es-1:9200", "http://es-0:9200,http://es-1:9200" },
        { "KAFKA_CFG_ZOOKEEPER_CONNECT", "kafka-zookeeper", "kafka-zookeeper" },
        { "KAFKA_ZOOKEEPER_CONNECT", "zk-0.zk:2181,zk-1.zk:2181/kafka", "zk-0.zk:2181,zk-1.zk:2181 (redacted)" },
        { "REDIS_URL", "redis://:p4ss@redis-master:6379/0", "redis://redis-master:6379 (redacted)" },
        { "UPSTREAM", "http://api.shop/v1?token=abc#x", "http://api.shop (redacted)" },
        { "DB_HOST", "10.96.14.2:5432", "10.96.14.2:5432" },
    };

    [Theory]
    [MemberData(nameof(Kept))]
    public void AnAddressKeepsItsHostAndPortOnly(string name, string value, string expected) =>
        Assert.Equal(expected, EnvRedaction.Redact(name, value));

    [Fact]
    public void APasswordHoldingAnAtOrASlashDoesNotShiftTheHost() =>
        Assert.Equal("amqp://rabbitmq:5672 (redacted)", EnvRedaction.Redact("AMQP_URL", "amqp://guest:123/x@y@rabbitmq:5672"));

    public static TheoryData<string, string> Redacted => new()
    {
        // Names that look secret, whatever the value.
        { "DB_PASSWORD", "postgres://app:s3cr3t@db:5432/app" },
        { "API_KEY", "http://key-server:8080" },
        { "AUTH_URL", "https://auth.shop:443" },
        { "GITHUB_TOKEN", "ghp_0123456789abcdef" },
        { "CLIENT_SECRET_HOST", "vault" },
        // Values that are not only addresses.
        { "JAVA_OPTS", "-Xmx512m -Dspring.profiles.active=prod" },
        { "CONNECTION_STRING", "Server=db;Database=shop;User Id=sa;Password=x" },
        { "DATABASE_URL", "postgres://app:12,ss@db:5432" },
        { "ALLOW_PLAINTEXT_LISTENER", "yes" },
        { "LOGIN", "admin:12345" },
        { "MODE", "hunter2" },
        { "DB_HOST", "[::1]:5432" },
        // A bare name that reads as a generated credential, even in an address-named variable.
        { "UPSTREAM", "a8f7e6d5c4b3a2f1e0d9" },
    };

    [Theory]
    [MemberData(nameof(Redacted))]
    public void AnythingElseIsRedactedWhole(string name, string value) =>
        Assert.Equal(EnvRedaction.Redacted, EnvRedaction.Redact(name, value));

    [Fact]
    public void AVariableWithAValueFromKeepsNothingOfAValue() =>
        Assert.Equal(EnvRedaction.Redacted, EnvRedaction.Redact("DATABASE_URL", "postgres://db:5432", hasValueFrom: true));

    [Fact]
    public void AnEmptyValueStaysEmpty()
    {
        Assert.Equal("", EnvRedaction.Redact("DB_HOST", ""));
        Assert.Null(EnvRedaction.Redact("DB_HOST", null));
    }

    /// <summary>Every kept value names the same Services to the classifier as the whole value did: live and offline agree.</summary>
    [Theory]
    [MemberData(nameof(Kept))]
    public void TheRedactedValueNamesTheSameDependencyAsTheWholeValue(string name, string value, string _)
    {
        IReadOnlyList<(string, string?, string, string)> Hosts(string v)
        {
            var snapshot = new Crash { Log = "fatal: storage not available", Env = [new V1EnvVar { Name = name, Value = v }] }.Snapshot();
            return ConfiguredHosts.Of(CrashFacts.From(snapshot, new ClassifierOptions())).Select(h => (h.Name, h.Port, h.Service, h.Where)).ToList();
        }

        Assert.Equal(Hosts(value), Hosts(EnvRedaction.Redact(name, value)!));
    }
}
