using k8s.Models;
using Webhook.Diagnosis;
using static Webhook.Tests.Diagnosis.SpecEdit;

namespace Webhook.Tests.Diagnosis;

/// <summary>Configuration findings and the next steps written from them; each step has a test with the fact that contradicts it.</summary>
public class ConfigFindingTests
{
    // Service links.

    [Fact]
    public void AServiceLinkValueParsedAsAPortNamesTheVariableTheServiceAndEnableServiceLinks()
    {
        var d = new SpecEdit(new Crash { Log = "INFO starting\npanic: strconv.Atoi: parsing \"tcp://10.0.12.7:8080\": invalid syntax\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:21 +0x1d" }).Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ServiceLinkCollision);
        Assert.Equal("API_PORT", f.Get("variable"));
        Assert.Equal("api", f.Get("service"));
        d.Step("API_PORT=tcp://10.0.12.7:8080", "Service api", "enableServiceLinks: false", "Deployment api");
        d.NoStep("The container's env");
        Assert.Null(d.Change); // the variable is inferred from the app's name, not read from the log: no mechanical change
    }

    [Fact]
    public void AServiceLinkVariableNamedInTheLogGetsTheEnableServiceLinksPatch()
    {
        var d = new SpecEdit(new Crash { Log = "java.lang.NumberFormatException: For input string: \"tcp://10.96.4.2:6379\" (REDIS_PORT)\n\tat java.lang.Integer.parseInt(Integer.java:652)" }).Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("REDIS_PORT", "Service redis", "enableServiceLinks: false");
        Assert.NotNull(d.Change);
        Assert.Equal("kubectl patch deployment api -n shop --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/template/spec/enableServiceLinks\",\"value\":false}]'", d.Change!.Command);
    }

    [Fact]
    public void NoServiceLinkStepWhenThePodAlreadyDisablesServiceLinks()
    {
        var d = new SpecEdit(new Crash { Log = "panic: strconv.Atoi: parsing \"tcp://10.0.12.7:8080\": invalid syntax" }) { EnableServiceLinks = false }.Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ServiceLinkCollision);
        d.NoStep("enableServiceLinks");
    }

    [Fact]
    public void NoServiceLinkStepWhenTheSpecSetsTheVariableItself()
    {
        var d = new SpecEdit(new Crash { Log = "ValueError: invalid literal for int() with base 10: 'tcp://10.0.0.9:5432' reading DB_PORT", Env = [Literal("DB_PORT", "5432")] }).Classify();
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ServiceLinkCollision);
        d.NoStep("enableServiceLinks");
    }

    [Fact]
    public void ATcpUrlInAConnectionErrorIsNotAServiceLink()
    {
        var d = new SpecEdit(new Crash { Log = "error: failed to connect to tcp://10.0.0.5:2375: connection refused" }).Classify();
        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.ServiceLinkCollision);
        d.NoStep("enableServiceLinks");
    }

    [Fact]
    public void ServiceLinkBundle()
    {
        var d = new SpecEdit(new Crash { Log = "RangeError [ERR_SOCKET_BAD_PORT]: options.port should be >= 0 and < 65536. Received type string ('tcp://10.0.12.7:3000') from API_PORT" }).ClassifyBundle();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("API_PORT", "Service api", "enableServiceLinks: false");
        Assert.Contains("enableServiceLinks", d.Change?.Command);
    }

    // Unknown flags.

    [Fact]
    public void AnUnknownFlagPointsAtItsArgsEntryAndProposesRemovingIt()
    {
        var d = new SpecEdit(new Crash { Log = "flag provided but not defined: -zap-level\nUsage of /manager:\n  -enable-leader-election\n    \tEnable leader election" })
        { Args = ["-enable-leader-election", "-zap-level=info"] }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        var flag = Assert.Single(d.Findings, f => f.Kind == FindingKinds.UnknownFlag);
        Assert.Equal("args", flag.Get("field"));
        Assert.Equal("1", flag.Get("index"));
        d.Step("args[1] \"-zap-level=info\"", "registry.example/api:1.4.2");
        Assert.Equal("kubectl patch deployment api -n shop --type=json -p '[{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/args/1\",\"value\":\"-zap-level=info\"},{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/0/args/1\"}]'", d.Change?.Command);
    }

    [Fact]
    public void ACobraUnknownFlagIsFoundWithItsSeparateValue()
    {
        var d = new SpecEdit(new Crash { Log = "Error: unknown flag: --listen-addres\nUsage:\n  server [flags]" }) { Args = ["--listen-addres", ":8080"] }.Classify();
        d.Step("args[0] \"--listen-addres\"");
    }

    [Fact]
    public void AnUnknownFlagTheSpecDoesNotPassIsNotPointedAtTheArgs()
    {
        var d = new SpecEdit(new Crash { Log = "error: unrecognized arguments: --workers 4" }).Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.NoStep("args[");
        d.Step("--workers", "ENTRYPOINT/CMD");
        Assert.Null(d.Change);
    }

    [Fact]
    public void UnknownFlagBundle()
    {
        var d = new SpecEdit(new Crash { Log = "Error: unknown flag: --metrics-addr" }) { Args = ["--metrics-addr=:8080", "--leader-elect"] }.ClassifyBundle();
        d.Step("args[0] \"--metrics-addr=:8080\"");
        Assert.Contains("/containers/0/args/0", d.Change?.Command);
    }

    // Unknown fields.

    static SpecEdit UnknownField(string log) => new(new Crash { Log = log })
    {
        Args = ["--config", "/etc/app/config.yaml"],
        Volumes = [ConfigMap("config", "api-config")],
        Mounts = [Mount("config", "/etc/app")],
    };

    [Fact]
    public void AnUnknownFieldNamesTheFieldTheFileAndItsConfigMapNotAMissingKey()
    {
        var d = UnknownField("level=info msg=\"loading /etc/app/config.yaml\"\nerror loading config: yaml: unmarshal errors:\n  line 12: field listen_addr not found in type config.Config").Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        var field = Assert.Single(d.Findings, f => f.Kind == FindingKinds.UnknownField);
        Assert.Equal("listen_addr", field.Get("field"));
        d.Step("listen_addr", "/etc/app/config.yaml", "key config.yaml of ConfigMap api-config", "line 12");
        d.Step("kubectl edit configmap api-config -n shop");
        // Contradiction: the key is there (the file loaded); a field inside it is wrong.
        d.NoStep("has that key");
        d.NoStep("add key");
        d.NoStep("exists only if");
    }

    [Fact]
    public void AMapstructureInvalidKeysErrorIsAnUnknownField()
    {
        var d = UnknownField("Error: error decoding config: 1 error(s) decoding:\n\n* '' has invalid keys: listen_adress").Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("listen_adress", "ConfigMap api-config");
    }

    [Fact]
    public void AJacksonUnrecognizedFieldOutsideConfigLoadingStaysAnApplicationError()
    {
        var d = new SpecEdit(new Crash { Log = "com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException: Unrecognized field \"total\" (class com.shop.Order), not marked as ignorable\n\tat com.fasterxml.jackson.databind.DeserializationContext.handleUnknownProperty(DeserializationContext.java:1127)" }).Classify();
        Assert.NotEqual(Causes.ConfigError, d.Cause);
    }

    [Fact]
    public void UnknownFieldBundle()
    {
        var d = UnknownField("Error: failed to parse config: unknown field `listne`, expected one of `listen`, `workers` at line 3 column 1").ClassifyBundle();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("listne", "ConfigMap api-config");
        d.NoStep("has that key");
    }

    // Variables and where they come from.

    [Fact]
    public void AMissingVariableWithAnEnvFromPrefixNamesTheKeyAndTheConfigMap()
    {
        var d = new Crash
        {
            Log = "Error: APP_DATABASE_URL is required",
            Env = [Literal("LOG_LEVEL", "info"), Literal("FEATURE_X", "on")],
            EnvFrom = [new V1EnvFromSource { Prefix = "APP_", ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("APP_DATABASE_URL", "configmap/settings", "key DATABASE_URL", "prefix APP_");
        // No list of unrelated variable names.
        d.NoStep("LOG_LEVEL");
        d.NoStep("FEATURE_X");
    }

    [Fact]
    public void AVariableFromAConfigMapKeyNamesTheKeyAndNeverSaysItIsUnset()
    {
        var d = new Crash { Log = "panic: DATABASE_URL must not be empty", Env = [FromConfigMap("DATABASE_URL", "db-config", "url")] }.Classify();
        d.Step("key url of ConfigMap db-config");
        d.Step("kubectl get configmap db-config -n shop -o jsonpath='{.data.url}'");
        // Contradiction: the spec does set it.
        d.NoStep("does not set DATABASE_URL");
    }

    [Fact]
    public void AnUnsetVariableSaysSoOnlyWhenTheSpecHasNoSourceForIt()
    {
        var d = new Crash { Log = "/entrypoint.sh: line 9: DB_ADDR: unbound variable" }.Classify();
        d.Step("does not set DB_ADDR", "no envFrom source");
        var set = new Crash { Log = "/entrypoint.sh: line 9: DB_ADDR: unbound variable", Env = [Literal("DB_ADDR", "")] }.Classify();
        set.NoStep("does not set DB_ADDR");
        set.Step("DB_ADDR is set to an empty value");
    }

    // Rejected credentials.

    [Fact]
    public void ARejectedPasswordNamesTheVariableAndSecretKeyThatSupplyIt()
    {
        var d = new Crash
        {
            Log = "psql: error: FATAL:  password authentication failed for user \"app\"",
            Env = [Literal("DB_USER", "app"), FromSecret("DB_PASSWORD", "db-credentials", "password"), FromSecret("REDIS_PASSWORD", "redis", "password")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.RejectedCredential);
        Assert.Equal("DB_PASSWORD", f.Get("passwordVariable"));
        d.Step("user \"app\"", "DB_PASSWORD", "key password of Secret db-credentials");
        d.Step("kubectl get secret db-credentials -n shop -o jsonpath='{.data.password}' | base64 -d");
        // Contradiction: the Redis password is not the one rejected.
        d.NoStep("REDIS_PASSWORD");
    }

    [Fact]
    public void RejectedCredentialBundle()
    {
        var d = new SpecEdit(new Crash
        {
            Log = "ERROR: Access denied for user 'shop'@'10.1.2.3' (using password: YES)",
            Env = [Literal("MYSQL_USER", "shop"), FromSecret("MYSQL_PASSWORD", "mysql", "user-password")],
        }).ClassifyBundle();
        d.Step("user \"shop\"", "MYSQL_PASSWORD", "key user-password of Secret mysql");
    }

    // Config files and the volumes behind them.

    [Fact]
    public void AMissingFileOnAConfigMapMountWithItemsNamesTheItems()
    {
        var d = new SpecEdit(new Crash { Log = "panic: open /etc/app/config.yaml: no such file or directory" })
        {
            Volumes = [ConfigMap("config", "api-config", ("settings.yaml", "settings.yaml"))],
            Mounts = [Mount("config", "/etc/app")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("projects only the items settings.yaml of ConfigMap api-config");
    }

    [Fact]
    public void AMissingFileOnAConfigMapMountNamesTheKeyItNeeds()
    {
        var d = new SpecEdit(new Crash { Log = "panic: open /etc/app/config.yaml: no such file or directory" })
        {
            Volumes = [ConfigMap("config", "api-config")],
            Mounts = [Mount("config", "/etc/app")],
        }.Classify();
        d.Step("add key config.yaml to ConfigMap api-config");
    }

    [Fact]
    public void AMissingFileOnNoVolumeSaysSoAndNeverBlamesAConfigMapKey()
    {
        var d = new SpecEdit(new Crash { Log = "panic: open /etc/app/config.yaml: no such file or directory" })
        {
            Volumes = [ConfigMap("config", "api-config")],
            Mounts = [Mount("config", "/config")],
        }.Classify();
        d.Step("/etc/app/config.yaml is on no volume", "ConfigMap api-config at /config");
        d.NoStep("add key");
    }

    [Fact]
    public void AMissingKeyOfALoadedConfigNamesTheFileAndItsConfigMap()
    {
        var d = new SpecEdit(new Crash { Log = "Traceback (most recent call last):\n  File \"start.py\", line 87, in main\n    path = config[\"database\"][\"path\"]\nKeyError: 'database'" })
        {
            Args = ["--config=config/config.yaml"],
            Volumes = [ConfigMap("config", "cerberus-config")],
            Mounts = [Mount("config", "/root/cerberus/config")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("'database'", "key config.yaml of ConfigMap cerberus-config");
    }

    [Fact]
    public void MissingReferenceStepsComeFromTheFinding()
    {
        var d = new Crash
        {
            NoTerminated = true, WaitingReason = "CreateContainerConfigError",
            WaitingMessage = "couldn't find key password in Secret shop/db-credentials",
            Env = [FromSecret("DB_PASSWORD", "db-credentials", "password")],
        }.Classify();
        var f = Assert.Single(d.Findings, f => f.Kind == FindingKinds.MissingReference);
        Assert.Equal("password", f.Get("key"));
        d.Step("key password in secret db-credentials", "env DB_PASSWORD");
    }

    [Fact]
    public void AUdpServiceLinkValueNamedWithItsVariableIsACollision()
    {
        var d = new SpecEdit(new Crash { Log = "level=error msg=\"Unable to init tracing\" err=\"cannot parse env var JAEGER_AGENT_PORT=udp://10.192.96.169:5775: strconv.ParseInt: parsing \\\"udp://10.192.96.169:5775\\\": invalid syntax\"" }).Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("JAEGER_AGENT_PORT=udp://10.192.96.169:5775", "Service jaeger-agent", "enableServiceLinks: false");
    }

    [Fact]
    public void ABadPortWithAHostVariableNamingTheServicePointsAtTheInjectedPortVariable()
    {
        var d = new SpecEdit(new Crash
        {
            Log = "RangeError [ERR_SOCKET_BAD_PORT]: Port should be > 0 and < 65536. Received NaN.\n    at lookupAndConnect (net.js:1032:13)",
            Env = [Literal("REDIS_HOST", "redis")],
        }).Classify();
        d.Step("REDIS_PORT", "Service redis", "enableServiceLinks: false");
        d.Step("REDIS_HOST names Service redis");
        // Contradiction: with REDIS_PORT set in the spec there is nothing for Kubernetes to inject.
        var set = new SpecEdit(new Crash
        {
            Log = "RangeError [ERR_SOCKET_BAD_PORT]: Port should be > 0 and < 65536. Received NaN.",
            Env = [Literal("REDIS_HOST", "redis"), Literal("REDIS_PORT", "6379")],
        }).Classify();
        set.NoStep("enableServiceLinks");
    }

    [Fact]
    public void AServiceLinkValueAfterAFlagNamesTheVariableFromTheFlag()
    {
        var d = new SpecEdit(new Crash { Log = "node ./bin/redis-commander --redis-port tcp://10.47.248.71:6379\nRangeError [ERR_SOCKET_BAD_PORT]: Port should be > 0 and < 65536. Received NaN." }).Classify();
        d.Step("REDIS_PORT", "Service redis");
    }

    [Fact]
    public void AOneDashLongFlagReadAsAShortFlagIsRewrittenWithTwoDashes()
    {
        var d = new SpecEdit(new Crash { Log = "unknown short flag '-r'" }) { Args = ["-reload-url=http://localhost:9090/-/reload", "-config-file=/etc/prometheus/config/prometheus.yaml"] }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("args[0]", "\"--reload-url=http://localhost:9090/-/reload\"", "two dashes");
        Assert.Equal("kubectl patch deployment api -n shop --type=json -p '[{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/args/0\",\"value\":\"-reload-url=http://localhost:9090/-/reload\"},{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/args/0\",\"value\":\"--reload-url=http://localhost:9090/-/reload\"}]'", d.Change?.Command);
        // Contradiction: a flag that is really unknown is not "rewritten with two dashes".
        var unknown = new SpecEdit(new Crash { Log = "flag provided but not defined: -zap-level" }) { Args = ["-zap-level=info"] }.Classify();
        unknown.NoStep("two dashes");
    }

    [Fact]
    public void AConfigMapMountedOverTheImagesDirectoryIsNamedAndSubPathIsTheFix()
    {
        var d = new SpecEdit(new Crash { Log = "/opt/ol/helpers/runtime/docker-server.sh: line 55: /config/configDropins/defaults/keystore.xml: No such file or directory" })
        {
            Volumes = [ConfigMap("server-config", "petstore-server-xml")],
            Mounts = [Mount("server-config", "/config")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.MountShadow);
        d.Step("ConfigMap petstore-server-xml", "subPath");
        // Contradiction: the file is not meant to be a key of the ConfigMap.
        d.NoStep("add key");
    }

    [Fact]
    public void AMissingFileDirectlyInAConfigMapMountNamesTheKeyItNeeds()
    {
        var d = new SpecEdit(new Crash { Log = "panic: open /config/server.xml: no such file or directory" })
        {
            Volumes = [ConfigMap("server-config", "petstore-server-xml")],
            Mounts = [Mount("server-config", "/config")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("add key server.xml to ConfigMap petstore-server-xml");
    }

    [Fact]
    public void VariablesListedByAStartupCheckAreNamedWithTheirEnvFromSources()
    {
        var d = new Crash
        {
            Log = "The ActiveRecord encryption feature requires that these variables are set:\n\n  - ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY\n  - ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY\n\nRun `bin/rails db:encryption:init` to generate values and then assign the environment variables.\n/opt/app/config/initializers/x.rb:8:in `fetch': key not found (KeyError)",
            EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "app-secrets" } }],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY, ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY", "secret/app-secrets");
    }

    [Fact]
    public void AnUnknownOptionTheProgramIgnoredIsNotTheCause()
    {
        var d = new Crash { Log = "WARN unknown option: --legacy-mode (ignored)\nINFO starting\nerror: dial tcp 10.0.0.7:5432: connect: connection refused" }.Classify();
        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.DoesNotContain(d.Findings, f => f.Kind == FindingKinds.UnknownFlag);
    }

    [Fact]
    public void ADatabaseThatRefusesTheSessionNamesTheUserAndDatabaseVariables()
    {
        var d = new Crash
        {
            Log = "FATAL:  role \"shop\" does not exist",
            Env = [FromSecret("DB_USER", "db", "username"), Literal("DB_NAME", "orders"), Literal("LOG_LEVEL", "info")],
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("role \"shop\" does not exist", "DB_USER (key username of Secret db)", "DB_NAME");
        d.NoStep("LOG_LEVEL");
        // Contradiction: a refused connection is the network, not the session.
        var refused = new Crash { Log = "FATAL: could not connect: dial tcp 10.0.0.7:5432: connect: connection refused", Env = [FromSecret("DB_USER", "db", "username")] }.Classify();
        refused.NoStep("refuses the session");
    }

    [Fact]
    public void TheServiceInTheSnapshotMakesTheCollisionCertainAndProposesThePatch()
    {
        var d = new SpecEdit(new Crash { Log = "panic: strconv.Atoi: parsing \"tcp://10.0.12.7:8080\": invalid syntax" })
        {
            Objects = new() { ["Service.shop.api"] = "{\"kind\":\"Service\",\"metadata\":{\"name\":\"api\",\"namespace\":\"shop\"},\"spec\":{\"clusterIP\":\"10.0.12.7\",\"ports\":[{\"port\":8080,\"protocol\":\"TCP\"}]}}" },
        }.ClassifyBundle();
        d.Step("API_PORT=tcp://10.0.12.7:8080", "Service api");
        d.NoStep("Confirm the collision");
        Assert.Contains("enableServiceLinks", d.Change?.Command);
    }

    [Fact]
    public void TheConfigMapsKeysInTheSnapshotSayWhichKeyIsMissing()
    {
        var d = new SpecEdit(new Crash { Log = "panic: open /etc/app/config.yaml: no such file or directory" })
        {
            Volumes = [ConfigMap("config", "api-config")],
            Mounts = [Mount("config", "/etc/app")],
            Objects = new() { ["ConfigMap.shop.api-config"] = "{\"data\":{\"config.yml\":\"\",\"log.yaml\":\"\"}}" },
        }.ClassifyBundle();
        d.Step("ConfigMap api-config has no key config.yaml", "config.yml, log.yaml");
        var env = new SpecEdit(new Crash
        {
            Log = "Error: DATABASE_URL is required",
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }],
        })
        { Objects = new() { ["ConfigMap.shop.settings"] = "{\"data\":{\"DATABASE_URI\":\"\"}}" } }.Classify();
        env.Step("ConfigMap settings (envFrom) has no key DATABASE_URL");
        // Contradiction: a key the ConfigMap has is never reported missing.
        var has = new SpecEdit(new Crash
        {
            Log = "Error: DATABASE_URL is required",
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }],
        })
        { Objects = new() { ["ConfigMap.shop.settings"] = "{\"data\":{\"DATABASE_URL\":\"\"}}" } }.Classify();
        has.NoStep("has no key DATABASE_URL");
        has.Step("has key DATABASE_URL");
    }

    [Fact]
    public void AVolumeTheKubeletCannotMountForAMissingKeyNamesTheKeyTheConfigMapAndTheItem()
    {
        var d = new SpecEdit(new Crash
        {
            NoTerminated = true, WaitingReason = "ContainerCreating",
            Events = [Crash.Event("FailedMount", "MountVolume.SetUp failed for volume \"scripts\" : configmap references non-existent config key: REPLICAS")],
        })
        {
            Volumes = [new V1Volume { Name = "scripts", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "scripts-cm", Items = [new V1KeyToPath { Key = "REPLICAS", Path = "REPLICAS" }, new V1KeyToPath { Key = "run.sh", Path = "run.sh" }] } }] } }],
            Mounts = [Mount("scripts", "/scripts")],
        }.ClassifyBundle();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("key REPLICAS in configmap scripts-cm", "volume scripts");
        d.Step("remove the item REPLICAS from volume scripts");
        // Contradiction: an items entry cannot be "optional".
        d.NoStep("optional: true");
    }

    [Fact]
    public void AConfigThatDoesNotParseNamesTheConfigMapsOneKey()
    {
        var d = new SpecEdit(new Crash { Log = "panic: While parsing config: invalid character 'g' looking for beginning of value\n\ngoroutine 1 [running]:\nmain.loadConfig()\n\t/go/src/main.go:77 +0x415" })
        {
            Volumes = [ConfigMap("config", "eventrouter")],
            Mounts = [Mount("config", "/etc/eventrouter")],
            Objects = new() { ["ConfigMap.shop.eventrouter"] = "{\"data\":{\"config.json\":\"\"}}" },
        }.ClassifyBundle();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("/etc/eventrouter/config.json", "key config.json of ConfigMap eventrouter");
        d.NoStep("add key");
    }

    [Fact]
    public void AFieldNotFoundNodeErrorIsAnUnknownField()
    {
        var d = new SpecEdit(new Crash { Log = "2020/04/06 21:01:45 command traefik error: field not found, node: entryPoint" })
        {
            Volumes = [ConfigMap("config", "traefik-configmap")],
            Mounts = [Mount("config", "/config")],
            Objects = new() { ["ConfigMap.shop.traefik-configmap"] = "{\"data\":{\"traefik.toml\":\"\"}}" },
        }.Classify();
        Assert.Equal(Causes.ConfigError, d.Cause);
        d.Step("field entryPoint", "/config/traefik.toml", "ConfigMap traefik-configmap");
    }
}
