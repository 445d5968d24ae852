using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// OOM kills and runtime heap exhaustion: the limit, the rollout that changed it and the heap caps are findings,
/// the steps name concrete values from them, and each step has a test with the contradicting fact.
/// </summary>
public class MemoryFindingTests
{
    const string JavaHeap = "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n\tat com.example.Batch.load(Batch.java:42)";
    const string NodeHeap = "<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7a940 node::Abort() [node]";

    static Crash HeapOom(string? limit, params V1EnvVar[] env) => new()
    {
        ExitCode = 1, Reason = "Error", MemoryLimit = limit, Log = JavaHeap, Env = env, Deployment = "api",
        Image = "eclipse-temurin:21-jre", Command = ["sh", "-c", "java $JAVA_OPTS -jar /app.jar"], Args = null,
    };

    static Crash KernelOom(string? limit, params V1EnvVar[] env) => new()
    {
        ExitCode = 137, Reason = "OOMKilled", MemoryLimit = limit, Log = "INFO working", Env = env, Deployment = "api",
    };

    static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    // ---- the runtime's heap ----

    [Fact]
    public void AJvmHeapOomUnderAnXmxCapRaisesXmxNotTheLimit()
    {
        var d = HeapOom("2Gi", Env("JAVA_OPTS", "-Xmx768m")).Classify();
        Assert.Equal(Causes.RuntimeOutOfMemory, d.Cause);
        var cap = Assert.Single(d.Findings, f => f.Kind == FindingKinds.HeapCap);
        Assert.Equal("-Xmx768m", cap.Get("setting"));
        Assert.Equal("JAVA_OPTS", cap.Get("variable"));
        Assert.Equal((768L << 20).ToString(), cap.Get("heapBytes"));
        Assert.Contains(d.Remediation, r => r.Contains("-Xmx768m") && r.Contains("raise it to -Xmx1536m") && r.Contains("JAVA_OPTS"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app JAVA_OPTS=-Xmx1536m", d.Change?.Command);
    }

    [Fact]
    public void WhenTheHeapCapBindsNoStepRaisesTheLimit()
    {
        var d = HeapOom("2Gi", Env("JAVA_OPTS", "-Xmx768m")).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("3Gi") || r.Contains("larger limit") || r.Contains("Raise resources.limits.memory"));
    }

    [Fact]
    public void AHeapAlreadyAtItsShareRaisesTheLimitAndTheHeapTogether()
    {
        var d = HeapOom("2Gi", Env("JAVA_OPTS", "-Xms1536m -Xmx1536m")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("raise the limit to 3Gi and the heap to -Xmx2304m (and -Xms2304m with it) together"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("the limit can stay"));
    }

    [Fact]
    public void AJvmWithoutALimitIsNeverToldToUseMaxRamPercentage()
    {
        var noCap = HeapOom(null).Classify();
        var kernel = KernelOom(null) with { Image = "eclipse-temurin:21-jre" };
        foreach (var d in new[] { noCap, kernel.Classify() })
        {
            Assert.DoesNotContain(d.Remediation, r => r.Contains("MaxRAMPercentage"));
            Assert.DoesNotContain("MaxRAMPercentage", d.Change?.Command ?? "");
        }
        Assert.Contains(noCap.Remediation, r => r.Contains("fixed -Xmx") && r.Contains("node's RAM"));
    }

    [Fact]
    public void AJvmWithALimitAndNoHeapSettingGetsMaxRamPercentage()
    {
        var d = HeapOom("2Gi").Classify();
        Assert.Contains(d.Remediation, r => r.Contains("25% of the 2Gi limit (512m)") && r.Contains("-XX:MaxRAMPercentage=75"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75", d.Change?.Command);
    }

    [Fact]
    public void AMaxRamPercentageCapIsRaisedTowardSeventyFive()
    {
        var d = HeapOom("2Gi", Env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=50.0")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("raise it to -XX:MaxRAMPercentage=75.0"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0", d.Change?.Command);
    }

    [Fact]
    public void UnderscoreJavaOptionsOverridesTheCommandLineAndJavaToolOptions()
    {
        var d = (HeapOom("4Gi", Env("JAVA_TOOL_OPTIONS", "-Xmx1g"), Env("_JAVA_OPTIONS", "-Xmx512m")) with { Command = ["java", "-Xmx2g", "-jar", "/app.jar"] }).Classify();
        var binding = Assert.Single(d.Findings, f => f.Kind == FindingKinds.HeapCap && f.Get("binding") == "true");
        Assert.Equal("_JAVA_OPTIONS", binding.Get("variable"));
        Assert.Contains(d.Remediation, r => r.Contains("-Xmx512m in env _JAVA_OPTIONS") && r.Contains("-Xmx3g"));
    }

    [Fact]
    public void AProductHeapVariableIsSizedAtHalfTheLimit()
    {
        var d = HeapOom("4Gi", Env("KAFKA_HEAP_OPTS", "-Xmx1G -Xms1G")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("raise it to -Xmx2g (and -Xms2g with it) (50% of the limit) in KAFKA_HEAP_OPTS"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app 'KAFKA_HEAP_OPTS=-Xmx2g -Xms2g'", d.Change?.Command);
    }

    [Fact]
    public void AHeapVariableFromAConfigMapSaysWhereItComesFrom()
    {
        var fromMap = new V1EnvVar
        {
            Name = "JAVA_OPTS",
            ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "app-env", Key = "java-opts" } },
        };
        var d = HeapOom("2Gi", fromMap).Classify();
        var cap = Assert.Single(d.Findings, f => f.Kind == FindingKinds.HeapCap);
        Assert.Equal("false", cap.Get("known"));
        Assert.Contains(d.Remediation, r => r.Contains("JAVA_OPTS comes from configMap app-env key java-opts") && r.Contains("1536m"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("25% of the"));
        Assert.Null(d.Change);
    }

    [Fact]
    public void ALiteralValueWithOtherOptionsIsNeitherQuotedNorChanged()
    {
        var d = HeapOom("2Gi", Env("JAVA_OPTS", "-Xmx768m -Dspring.datasource.password=hunter2")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("-Xmx1536m"));
        Assert.DoesNotContain(d.Findings, f => f.Values.Values.Any(v => v.Contains("hunter2")) || f.Text.Contains("hunter2"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("hunter2"));
        Assert.Null(d.Change);
    }

    [Fact]
    public void ANodeHeapCapInNodeOptionsIsRaisedToThreeQuartersOfTheLimit()
    {
        var d = (new Crash { ExitCode = 134, MemoryLimit = "2Gi", Log = NodeHeap, Deployment = "api", Env = [Env("NODE_OPTIONS", "--max-old-space-size=1024")] }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("raise it to --max-old-space-size=1536") && r.Contains("NODE_OPTIONS"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app NODE_OPTIONS=--max-old-space-size=1536", d.Change?.Command);
    }

    [Fact]
    public void ANodeHeapCapInArgsIsPatchedInPlace()
    {
        var d = (new Crash { ExitCode = 134, MemoryLimit = "2Gi", Log = NodeHeap, Deployment = "api", Command = ["node"], Args = ["--max-old-space-size=1024", "server.js"] }).Classify();
        Assert.Contains("{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/args/0\",\"value\":\"--max-old-space-size=1536\"}", d.Change?.Command);
    }

    [Fact]
    public void ANodeHeapCapAlreadyAtItsShareDoesNotGetRaisedAlone()
    {
        var d = (new Crash { ExitCode = 134, MemoryLimit = "2Gi", Log = NodeHeap, Env = [Env("NODE_OPTIONS", "--max-old-space-size=1536")] }).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("the limit can stay"));
        Assert.Contains(d.Remediation, r => r.Contains("raise the limit to 3Gi and the heap to --max-old-space-size=2304 together"));
    }

    [Fact]
    public void ADotnetHardLimitIsReadAsHexadecimal()
    {
        var d = (new Crash
        {
            ExitCode = 134, MemoryLimit = "3Gi", Deployment = "api", Env = [Env("DOTNET_GCHeapHardLimit", "0x40000000")],
            Log = "Unhandled exception. System.OutOfMemoryException: Exception of type 'System.OutOfMemoryException' was thrown.\n   at Program.Main()",
        }).Classify();
        var cap = Assert.Single(d.Findings, f => f.Kind == FindingKinds.HeapCap);
        Assert.Equal((1L << 30).ToString(), cap.Get("heapBytes"));
        Assert.Contains(d.Remediation, r => r.Contains("DOTNET_GCHeapHardLimit=0x90000000") && r.Contains("2304Mi"));
    }

    [Fact]
    public void ANativeThreadFailureIsNotTreatedAsTheHeap()
    {
        var d = (HeapOom("2Gi", Env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=80")) with
        {
            Log = "[0.512s][warning][os,thread] Failed to start thread \"Unknown thread\" - pthread_create failed (EAGAIN) for attributes: stacksize: 1024k\n" +
                  "Exception in thread \"main\" java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached",
        }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("pthread_create failed (EAGAIN)") && r.Contains("pids"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("raise it to") || r.Contains("larger limit") || r.Contains("heap dump"));
        Assert.Null(d.Change);
    }

    [Fact]
    public void APhpMemoryLimitIsNamedAsWhatBinds()
    {
        var facts = new Crash { MemoryLimit = "1Gi", Command = ["php", "artisan", "queue:work"], Args = null }.Facts();
        var match = new RuleMatch(Causes.RuntimeOutOfMemory, 0.9, "PHP ran out of memory")
        {
            Detail = "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes)",
        };
        var advice = MemoryAdvice.For(match, facts, Finders.Collect(facts, match));
        Assert.Contains(advice.Steps, s => s.Contains("memory_limit (128Mi)") && s.Contains("768M"));
        Assert.DoesNotContain(advice.Steps, s => s.Contains("larger limit"));
    }

    // ---- the kernel OOM killer ----

    [Fact]
    public void AKernelOomAfterARolloutCutTheLimitSaysWhichRevisionAndOffersTheOldValue()
    {
        var d = (KernelOom("256Mi") with
        {
            Workload = new WorkloadInfo { Kind = "Deployment", Name = "api", Revision = "7", PreviousRevision = "6", Changes = ["app: memory limit 512Mi → 256Mi"] },
        }).Classify();
        var limit = Assert.Single(d.Findings, f => f.Kind == FindingKinds.MemoryLimit);
        Assert.Equal("256Mi", limit.Get("limit"));
        Assert.Equal("512Mi", limit.Get("previous"));
        Assert.Equal("7", limit.Get("revision"));
        Assert.Contains("revision 7 lowered it from 512Mi", limit.Text);
        Assert.Contains(d.Remediation, r => r.Contains("revision 7 cut the memory limit of app from 512Mi to 256Mi")
            && r.Contains("kubectl rollout undo deployment/api -n shop --to-revision=6") && r.Contains("raise the limit back to 512Mi"));
        Assert.Equal("kubectl set resources deployment/api -n shop -c app --limits=memory=512Mi", d.Change?.Command);
        Assert.DoesNotContain(d.Remediation, r => r.Contains("384Mi"));
    }

    [Fact]
    public void AKernelOomAfterARolloutRaisedTheLimitSaysTheRaiseDidNotStopTheKillsAndNamesTheTemplateBefore()
    {
        var d = (KernelOom("768Mi") with
        {
            Workload = new WorkloadInfo
            {
                Kind = "Deployment", Name = "api", Revision = "2", PreviousRevision = "1", PreviousName = "api-6f7d9c5b48",
                Changes = ["app: memory limit 512Mi → 768Mi"],
            },
        }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("revision 2 already raised the memory limit of app from 512Mi to 768Mi, and the kernel still kills it")
            && r.Contains("leak"));
        Assert.Contains(d.Remediation, r => r.Contains("kubectl rollout undo deployment/api -n shop --to-revision=1") && r.Contains("ReplicaSet api-6f7d9c5b48"));
    }

    [Fact]
    public void AnotherContainersLimitChangeIsNotBlamed()
    {
        var d = (KernelOom("256Mi") with
        {
            Workload = new WorkloadInfo { Kind = "Deployment", Name = "api", Revision = "7", Changes = ["sidecar: memory limit 512Mi → 256Mi"] },
        }).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("cut the memory limit"));
        Assert.Contains(d.Remediation, r => r.Contains("from 256Mi to 384Mi"));
    }

    [Fact]
    public void AKernelOomWithoutALimitSaysSetOneFromThePeak()
    {
        var d = (KernelOom(null) with { MemoryRequest = "256Mi" }).Classify();
        Assert.Single(d.Findings, f => f.Kind == FindingKinds.MemoryLimit && f.Get("limit") == "none");
        Assert.Contains(d.Remediation, r => r.Contains("no memory limit") && r.Contains("peak") && r.Contains("requests.memory is 256Mi"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("Raise resources.limits.memory") || r.Contains("leak before raising"));
        Assert.Null(d.Change);
    }

    [Fact]
    public void AHeapCapAboveTheLimitIsLoweredNotTheLimitRaised()
    {
        var d = KernelOom("2Gi", Env("JAVA_OPTS", "-Xmx4g")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("-Xmx4g in env JAVA_OPTS") && r.Contains("above the 2Gi limit") && r.Contains("lower it to -Xmx1536m"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("Raise resources.limits.memory"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app JAVA_OPTS=-Xmx1536m", d.Change?.Command);
    }

    [Fact]
    public void AHeapCapWellBelowTheLimitIsNotLowered()
    {
        var d = KernelOom("2Gi", Env("JAVA_OPTS", "-Xmx512m")).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("lower it"));
        Assert.Contains(d.Remediation, r => r.Contains("well below the 2Gi limit") && r.Contains("outside the heap"));
    }

    [Fact]
    public void AHeapThatLeavesTooLittleRoomIsNamedWithBothFixes()
    {
        var d = KernelOom("800Mi", Env("JAVA_OPTS", "-XX:MaxRAMPercentage=80.0 -XX:+UseG1GC")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("leaves 160m") && r.Contains("-XX:MaxRAMPercentage=65.0") && r.Contains("896Mi"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("1280Mi"));
        Assert.Equal("kubectl set resources deployment/api -n shop -c app --limits=memory=896Mi", d.Change?.Command);
    }

    [Fact]
    public void AGomemlimitAboveTheLimitIsLoweredToNinetyPercent()
    {
        var d = KernelOom("1Gi", Env("GOMEMLIMIT", "2GiB")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("env GOMEMLIMIT=2GiB") && r.Contains("GOMEMLIMIT=921MiB"));
        Assert.Equal("kubectl set env deployment/api -n shop -c app GOMEMLIMIT=921MiB", d.Change?.Command);
    }

    [Fact]
    public void ACassandraMaxHeapSizeAboveTheLimitIsLowered()
    {
        var d = KernelOom("4Gi", Env("MAX_HEAP_SIZE", "8G"), Env("HEAP_NEWSIZE", "800M")).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("MAX_HEAP_SIZE=8G") && r.Contains("lower it to MAX_HEAP_SIZE=2G"));
    }

    [Fact]
    public void NodeWithoutAHeapCapIsToldTheConcreteMaxOldSpaceSize()
    {
        var d = (KernelOom("4Gi") with { Command = ["node", "dist/server.js"], Args = null }).Classify();
        Assert.Contains(d.Remediation, r => r.Contains("NODE_OPTIONS=--max-old-space-size=3072"));
    }

    [Fact]
    public void NodeWithAHeapCapIsNotToldToSetOne()
    {
        var d = (KernelOom("4Gi", Env("NODE_OPTIONS", "--max-old-space-size=2048")) with { Command = ["node", "dist/server.js"], Args = null }).Classify();
        Assert.DoesNotContain(d.Remediation, r => r.Contains("sets no heap cap"));
    }

    [Fact]
    public void AnInitContainersLimitIsPatchedInTheInitContainersList()
    {
        var d = (KernelOom("100Mi") with { Init = true }).Classify();
        Assert.Contains("{\"op\":\"test\",\"path\":\"/spec/template/spec/initContainers/0/name\",\"value\":\"app\"}", d.Change?.Command);
        Assert.Contains("{\"op\":\"add\",\"path\":\"/spec/template/spec/initContainers/0/resources/limits/memory\",\"value\":\"160Mi\"}", d.Change?.Command);
    }
}
