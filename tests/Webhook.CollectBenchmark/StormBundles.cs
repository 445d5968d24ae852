using System.Text;

namespace Webhook.CollectBenchmark;

/// <summary>Bundles of crash-looping pods that share one large previous log (a symbolic link each), to spare the disk.</summary>
static class StormBundles
{
    public static IReadOnlyList<string> Write(string root, int count, int logMegabytes)
    {
        var bigLog = Path.Combine(root, "big.previous.log");
        WriteLog(bigLog, logMegabytes * 1024 * 1024);
        var pods = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var pod = $"api-7d9f-{i:00000}";
            var folder = Path.Combine(root, pod);
            Directory.CreateDirectory(Path.Combine(folder, "logs"));
            File.WriteAllText(Path.Combine(folder, "pod.json"), PodJson(pod));
            File.WriteAllText(Path.Combine(folder, "events.json"), EventsJson(pod));
            File.CreateSymbolicLink(Path.Combine(folder, "logs", "app.previous.log"), bigLog);
            File.WriteAllText(Path.Combine(folder, "logs", "app.log"), "starting\n");
            if (i == 0)
                WriteSharedObjects(folder);
            pods.Add(pod);
        }
        return pods;
    }

    /// <summary>The node and the owner chain all pods share: Deployment api, revision 2 (ReplicaSet api-7d9f) after revision 1.</summary>
    static void WriteSharedObjects(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "owners"));
        File.WriteAllText(Path.Combine(folder, "node.json"), """
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"node-a"},"status":{"allocatable":{"memory":"7901Mi"},
             "conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}]}}
            """);
        File.WriteAllText(Path.Combine(folder, "owners", "deployment.json"), """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"bench","uid":"dep-uid","annotations":{"deployment.kubernetes.io/revision":"2"}},
             "spec":{"selector":{"matchLabels":{"app":"api"}},"template":{"spec":{"containers":[{"name":"app","image":"registry.example/api:1.9.0"}]}}}}
            """);
        foreach (var (name, revision, image) in new[] { ("api-7d9f", 2, "1.9.0"), ("api-5c4b", 1, "1.8.2") })
            File.WriteAllText(Path.Combine(folder, "owners", $"{name}.json"), """
                {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"NAME","namespace":"bench","uid":"uid-NAME","creationTimestamp":"2026-11-24T20:40:00Z",
                  "labels":{"app":"api","pod-template-hash":"HASH"},"annotations":{"deployment.kubernetes.io/revision":"REV"},
                  "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"api","uid":"dep-uid","controller":true}]},
                 "spec":{"selector":{"matchLabels":{"app":"api","pod-template-hash":"HASH"}},
                  "template":{"spec":{"containers":[{"name":"app","image":"registry.example/api:IMAGE"}]}}}}
                """.Replace("NAME", name).Replace("HASH", name[4..]).Replace("REV", $"{revision}").Replace("IMAGE", image));
    }

    static void WriteLog(string path, int size)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        for (var (i, written) = (0, 0); written < size; i++)
        {
            var line = $"2026-11-24T20:{i / 60000 % 60:00}:{i / 1000 % 60:00}.{i % 1000:000}Z INFO request {i} handled in 12ms path=/api/orders status=200\n";
            writer.Write(line);
            written += line.Length;
        }
        writer.Write("java.lang.OutOfMemoryError: Java heap space\n");
    }

    static string PodJson(string pod) => """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"POD","namespace":"bench","uid":"uid-POD",
           "labels":{"app":"api","pod-template-hash":"7d9f"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-7d9f","uid":"uid-api-7d9f","controller":true}]},
         "spec":{"nodeName":"node-a","restartPolicy":"Always","containers":[{"name":"app","image":"registry.example/api:1.9.0"}]},
         "status":{"phase":"Running","containerStatuses":[{"name":"app","image":"registry.example/api:1.9.0","imageID":"","ready":false,"restartCount":9,
           "state":{"waiting":{"reason":"CrashLoopBackOff"}},
           "lastState":{"terminated":{"exitCode":1,"reason":"Error","startedAt":"2026-11-24T20:50:00Z","finishedAt":"2026-11-24T20:51:00Z"}}}]}}
        """.Replace("POD", pod);

    static string EventsJson(string pod) => """
        {"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"POD.1","namespace":"bench"},
          "involvedObject":{"kind":"Pod","name":"POD","namespace":"bench"},"reason":"BackOff","type":"Warning",
          "message":"Back-off restarting failed container app in pod POD_bench(uid-POD)","lastTimestamp":"2026-11-24T20:55:00Z"}]}
        """.Replace("POD", pod);
}
