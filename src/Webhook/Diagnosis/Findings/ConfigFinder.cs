using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// Configuration faults and where their values come from: a missing ConfigMap/Secret (or key) and where the spec
/// uses it; a service-link variable colliding with the app's own setting; an unknown flag and its args entry; an
/// unknown field and the file (and ConfigMap) it is in; a config file and the volume behind it; a variable and its
/// env source; the variable and Secret key behind a rejected login.
/// </summary>
public sealed partial class ConfigFinder : IFinder
{
    /// <summary>How many message lines from the end are read for the fault when the decisive line does not name it.</summary>
    const int RecentLines = 40;

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.ConfigError) return [];
        var detail = match.Detail ?? "";
        var findings = new List<Finding>();

        if (ConfigRefs.Parse(detail) is { } missing)
        {
            findings.Add(MissingReference(missing, facts));
            return findings;
        }

        if (ConfigText.FailedMount(detail) is { } failedMount && MountReference(facts, failedMount) is { } mountRef)
        {
            findings.Add(mountRef);
            return findings;
        }

        var recent = Recent(facts, detail);
        var serviceLink = ServiceLink(facts, recent);
        if (serviceLink is not null) findings.Add(serviceLink);

        foreach (var flag in recent.Select(ConfigText.UnknownFlags).FirstOrDefault(f => f.Count > 0) ?? [])
            findings.Add(UnknownFlag(facts, flag));

        var field = UnknownField(recent);
        if (field is { } f)
        {
            var file = ConfigFileOf(facts, recent, f.Index);
            findings.Add(new Finding(FindingKinds.UnknownField,
                $"the config loader rejects field {f.Field.Field}{(f.Field.Type is null ? "" : $" (not in type {f.Field.Type})")}{(f.Field.Line is null ? "" : $" at line {f.Field.Line}")}"
                + (file is null ? "" : $" of {file.Get("path")}"), "log")
            {
                Values = Values(("field", f.Field.Field), ("type", f.Field.Type), ("line", f.Field.Line), ("path", file?.Get("path")), ("image", facts.Spec?.Image)),
            });
            if (file is not null) findings.Add(file);
        }

        if (recent.Select(ConfigText.IsCredentialRejection).Any(x => x) && Credential(facts, recent) is { } credential)
            findings.Add(credential);
        else if (recent.Take(12).Any(ConfigText.IsSessionRejection) && Session(facts, recent) is { } session)
            findings.Add(session);

        // A ConfigMap/Secret mounted over the image's directory is MountShadowFinder's (any cause): nothing to add here.
        var listed = ConfigText.ListedVariables(facts.Log.Lines);
        if (MountHides(facts, recent) is not null)
        {
        }
        else if (serviceLink is null && field is null && listed.Count > 0)
        {
            var origins = listed.Select(v => SpecSources.Origin(facts.Spec, v)).ToList();
            findings.Add(new Finding(FindingKinds.MissingVariable, $"the app requires {string.Join(", ", listed)}", "log")
            {
                Values = Values(("variable", listed[0]), ("variables", string.Join(", ", listed)), ("container", facts.ContainerName)),
            });
            findings.Add(new Finding(FindingKinds.VariableSource, string.Join("; ", origins.Select(o => o.Text).Distinct()), "pod.spec")
            {
                Values = origins[0].Values.Where(kv => kv.Key != "variable").ToDictionary(kv => kv.Key, kv => kv.Value),
            });
        }
        else if (serviceLink is null && field is null && !findings.Any(x => x.Kind is FindingKinds.UnknownFlag or FindingKinds.RejectedCredential))
        {
            var variable = Targets.Variable(detail);
            if (variable is not null && !IsFileName(detail, variable))
            {
                var origin = SpecSources.Origin(facts.Spec, variable);
                findings.Add(new Finding(FindingKinds.MissingVariable, $"the app reports {variable} missing or invalid", "log")
                {
                    Values = Values(("variable", variable), ("container", facts.ContainerName)),
                });
                findings.Add(new Finding(FindingKinds.VariableSource, origin.Text, "pod.spec") { Values = origin.Values });
            }
            else if (MissingKey().Match(detail) is { Success: true } key && ConfigFileOf(facts, recent, recent.Count - 1, key.Groups["k"].Value) is { } keyed)
            {
                findings.Add(keyed);
            }
            else if (ConfigFileOf(facts, [detail], 0) is { } file)
            {
                findings.Add(file);
            }
            else if (Placeholder().Match(detail) is { Success: true } placeholder)
            {
                var property = placeholder.Groups["p"].Value;
                var envName = Regex.Replace(property, @"[.\-\[\]]", "_").ToUpperInvariant();
                var origin = SpecSources.Origin(facts.Spec, envName);
                findings.Add(new Finding(FindingKinds.MissingVariable,
                    $"property {property} is not defined; the environment variable {envName} would set it", "log")
                {
                    Values = Values(("variable", envName), ("property", property), ("container", facts.ContainerName)),
                });
                findings.Add(new Finding(FindingKinds.VariableSource, origin.Text, "pod.spec") { Values = origin.Values });
            }
        }
        return findings;
    }

    /// <summary>
    /// A file of the image reported missing below a ConfigMap/Secret mount, in a subdirectory the volume cannot hold:
    /// the mount replaced the image's whole directory.
    /// </summary>
    public static Finding? MountHides(CrashFacts facts, IReadOnlyList<string> recent)
    {
        foreach (var line in recent.Take(6))
        {
            foreach (var path in ConfigText.MissingPaths(line))
            {
            var mount = SpecSources.MountOf(facts.Spec, facts.Snapshot.Pod?.Spec, path);
            if (mount is not { Kind: "configMap" or "secret" } || !string.IsNullOrEmpty(mount.Mount.SubPath) || path.Length <= mount.MountPath.TrimEnd('/').Length + 1) continue;
            var relative = path[(mount.MountPath.TrimEnd('/').Length + 1)..];
            var items = mount.Volume?.ConfigMap?.Items ?? mount.Volume?.Secret?.Items;
            if (!relative.Contains('/', StringComparison.Ordinal) || items?.Any(i => i.Path?.Contains('/', StringComparison.Ordinal) == true) == true) continue;
            return new Finding("mount-hides-path",
                $"{mount.Source} is mounted at {mount.MountPath} and replaces the image's whole {mount.MountPath} directory: {path} (in {relative[..relative.IndexOf('/', StringComparison.Ordinal)]}/) is no longer there", "pod.spec")
            {
                Values = Values(("path", path), ("mountPath", mount.MountPath), ("volume", mount.Mount.Name), ("object", mount.Source)),
            };
            }
        }
        return null;
    }

    /// <summary>A line reporting a file missing at a path inside a ConfigMap/Secret mount: the file would be one of its keys.</summary>
    public static bool MissingUnderConfigMount(CrashFacts facts, string line) =>
        ConfigText.MissingPaths(line).Any(p =>
            SpecSources.MountOf(facts.Spec, facts.Snapshot.Pod?.Spec, p) is { Kind: "configMap" or "secret" } m && p.Length > m.MountPath.TrimEnd('/').Length + 1);

    /// <summary>The decisive line, then the last message lines from the end backwards.</summary>
    static List<string> Recent(CrashFacts facts, string detail)
    {
        var list = new List<string> { detail };
        var lines = facts.Log.Lines;
        for (var i = lines.Count - 1; i >= 0 && list.Count <= RecentLines; i--)
            if (!lines[i].IsFrame && !string.IsNullOrWhiteSpace(lines[i].Text)) list.Add(lines[i].Text.Trim());
        return list;
    }

    static Finding MissingReference(ConfigRefs.Missing missing, CrashFacts facts)
    {
        var uses = ConfigRefs.UsesOf(missing, facts.Spec, facts.Snapshot.Pod?.Spec);
        var kind = missing.Kind == "secret" ? "Secret" : "ConfigMap";
        var what = missing.Key is null ? $"{kind} {missing.Name}" : $"key {missing.Key} of {kind} {missing.Name}";
        return new Finding(FindingKinds.MissingReference,
            $"{what} does not exist in namespace {facts.Namespace}{(uses.Count > 0 ? $"; the spec uses it in {string.Join(", ", uses)}" : "")}", "pod.status")
        {
            Values = Values(("kind", missing.Kind), ("name", missing.Name), ("key", missing.Key), ("uses", string.Join("; ", uses))),
        };
    }

    static Finding? ServiceLink(CrashFacts facts, List<string> recent)
    {
        if (facts.Snapshot.Pod?.Spec?.EnableServiceLinks == false) return null;
        for (var i = 0; i < Math.Min(recent.Count, 12); i++)
        {
            if (ConfigText.ServiceLink(recent[i]) is not { } link) continue;
            // The variable is on the line, or on the line just before it ("reading API_PORT").
            var variable = link.Variable ?? (i + 1 < recent.Count ? ConfigText.PortVariableIn(recent[i + 1]) : null);
            var explicitEnv = (facts.Spec?.Env ?? []).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            var certain = variable is not null;
            variable ??= HostNamed(facts).FirstOrDefault()
                ?? (FlagBefore().Match(recent[i]) is { Success: true } flag && flag.Groups["v"].Value == link.Value ? flag.Groups["n"].Value.ToUpperInvariant().Replace('-', '_') + "_PORT" : null)
                ?? Candidates(facts).Select(n => n + "_PORT").Where(v => !explicitEnv.Contains(v))
                    .OrderByDescending(v => SpecSources.ServiceLinkValue(facts.Snapshot, facts.Namespace, ServiceOf(v)) is not null).FirstOrDefault();
            if (variable is null || explicitEnv.Contains(variable)) return null;
            var service = ServiceOf(variable);
            // The snapshot holds the Service: the collision is no longer a guess.
            if (SpecSources.ServiceLinkValue(facts.Snapshot, facts.Namespace, service) is not null) certain = true;
            return new Finding(FindingKinds.ServiceLinkCollision,
                $"{variable}={link.Value} is the service-link variable Kubernetes injects for Service {service} in namespace {facts.Namespace}"
                + (certain ? "" : $" (the log shows {link.Value} where a port or number was expected; {variable} is the likely variable)")
                + "; the app reads it as its own setting", "log")
            {
                Values = Values(("variable", variable), ("service", service), ("value", link.Value), ("port", link.Port), ("certain", certain ? "true" : "false")),
            };
        }
        // No value in the log, but a port the app could not parse, and env X_HOST names Service x while X_PORT is left to Kubernetes.
        if (recent.Take(8).Any(ConfigText.IsBadPort))
        {
            var env = facts.Spec?.Env ?? [];
            foreach (var host in env.Where(e => e.Name.EndsWith("_HOST", StringComparison.Ordinal) && e.Value is { Length: > 0 }))
            {
                var prefix = host.Name[..^"_HOST".Length];
                var service = host.Value!.Split('.')[0];
                if (service.ToUpperInvariant().Replace('-', '_') != prefix || env.Any(e => e.Name == prefix + "_PORT")) continue;
                var known = SpecSources.ServiceLinkValue(facts.Snapshot, facts.Namespace, service);
                var value = known is { Length: > 0 } ? known : "tcp://CLUSTER-IP:PORT";
                return new Finding(FindingKinds.ServiceLinkCollision,
                    $"{prefix}_PORT is not set in the spec, so the app gets the service-link value {prefix}_PORT={value} that Kubernetes injects for Service {service} (named by {host.Name}={host.Value}); the app cannot parse it as a port", "pod.spec")
                {
                    Values = Values(("variable", prefix + "_PORT"), ("service", service), ("value", value), ("certain", known is null ? "false" : "true"), ("hostVariable", host.Name)),
                };
            }
        }
        return null;
    }

    /// <summary>X_PORT where env X_HOST names Service x (REDIS_HOST=redis) and the spec leaves X_PORT to Kubernetes.</summary>
    public static IEnumerable<string> HostNamed(CrashFacts facts)
    {
        var env = facts.Spec?.Env ?? [];
        foreach (var host in env.Where(e => e.Name.EndsWith("_HOST", StringComparison.Ordinal) && e.Value is { Length: > 0 }))
        {
            var prefix = host.Name[..^"_HOST".Length];
            if (host.Value!.Split('.')[0].ToUpperInvariant().Replace('-', '_') == prefix && !env.Any(e => e.Name == prefix + "_PORT"))
                yield return prefix + "_PORT";
        }
    }

    /// <summary>SVC of SVC_PORT / SVC_PORT_80_TCP: the Service name, lower-cased with '-' for '_'.</summary>
    static string ServiceOf(string variable)
    {
        var cut = variable.IndexOf("_PORT", StringComparison.Ordinal);
        return variable[..cut].ToLowerInvariant().Replace('_', '-');
    }

    /// <summary>Names a Service of this app would likely have: the container, the app labels, the workload.</summary>
    static IEnumerable<string> Candidates(CrashFacts facts)
    {
        var labels = facts.Snapshot.Pod?.Metadata?.Labels ?? new Dictionary<string, string>();
        string? Label(string key) => labels.TryGetValue(key, out var v) ? v : null;
        var names = new[] { Label("app.kubernetes.io/name"), Label("app"), Label("app.kubernetes.io/instance"), PodWorkload.Of(facts)?.Name, facts.ContainerName };
        return names.Where(n => !string.IsNullOrEmpty(n)).Select(n => n!.ToUpperInvariant().Replace('-', '_').Replace('.', '_')).Distinct();
    }

    static Finding UnknownFlag(CrashFacts facts, string flag)
    {
        var name = ConfigText.FlagName(flag);
        var (field, index, entry) = Locate(facts.Spec, name);
        var image = facts.Spec?.Image ?? "";
        string where;
        var singleDash = name.Length == 1 && entry is { Length: > 2 } e && e[0] == '-' && e[1] != '-';
        if (field is not null && singleDash)
            where = $"{field}[{index}] of container {facts.ContainerName} is \"{entry}\", a long flag written with one dash, which the parser reads as the short flags {flag}…; write it with two dashes (-{entry})";
        else if (field is not null) where = $"{field}[{index}] of container {facts.ContainerName} is \"{entry}\"";
        else if ((facts.Spec?.Env ?? []).FirstOrDefault(e => e.Value is { } v && Mentions(v, name)) is { } env)
            where = $"env {env.Name} of container {facts.ContainerName} passes it (\"{Text.Clip(env.Value!, 80)}\")";
        else where = $"it is not in the spec's command or args: the image's ENTRYPOINT/CMD or an entrypoint script passes it";
        return new Finding(FindingKinds.UnknownFlag, $"{flag} is not a flag of the program in {image}: {where}", "log")
        {
            Values = Values(("flag", flag), ("field", field), ("index", index?.ToString(CultureInfo.InvariantCulture)), ("entry", entry),
                ("container", facts.ContainerName), ("image", image), ("containerIndex", ContainerIndex(facts)?.ToString(CultureInfo.InvariantCulture)),
                ("containerList", facts.IsInitContainer ? "initContainers" : "containers"), ("singleDash", singleDash ? "true" : null)),
        };
    }

    static (string? Field, int? Index, string? Entry) Locate(V1Container? spec, string name)
    {
        foreach (var (field, list) in new[] { ("args", spec?.Args), ("command", spec?.Command) })
        {
            if (list is null) continue;
            for (var i = 0; i < list.Count; i++)
                if (list[i].StartsWith('-') && ConfigText.FlagName(list[i]) == name) return (field, i, list[i]);
            for (var i = 0; i < list.Count; i++)
                if (Mentions(list[i], name)) return (field, i, list[i]);
        }
        // A short flag -r rejected for "-reload-url=...": a long flag written with one dash reads as short flags.
        if (name.Length == 1)
            foreach (var (field, list) in new[] { ("args", spec?.Args), ("command", spec?.Command) })
                for (var i = 0; i < (list?.Count ?? 0); i++)
                    if (list![i].Length > 2 && list[i][0] == '-' && list[i][1] == name[0] && list[i][2] != '=') return (field, i, list[i]);
        return (null, null, null);
    }

    static bool Mentions(string text, string flagName) =>
        Regex.IsMatch(text, $@"(^|\s)-{{1,2}}{Regex.Escape(flagName)}(=|\s|$)");

    public static int? ContainerIndex(CrashFacts facts)
    {
        var list = facts.IsInitContainer ? facts.Snapshot.Pod?.Spec?.InitContainers : facts.Snapshot.Pod?.Spec?.Containers;
        if (list is null) return null;
        for (var i = 0; i < list.Count; i++) if (list[i].Name == facts.ContainerName) return i;
        return null;
    }

    static (ConfigText.UnknownFieldText Field, int Index)? UnknownField(List<string> recent)
    {
        for (var i = 0; i < Math.Min(recent.Count, 20); i++)
            if (ConfigText.UnknownField(recent[i], i + 1 < recent.Count ? recent[i + 1] : null) is { } f) return (f, i);
        return null;
    }

    /// <summary>
    /// The config file a fault is about and where it comes from: a path on the line or just before it, else the
    /// --config argument; resolved to its volumeMount, volume and ConfigMap/Secret key.
    /// </summary>
    static Finding? ConfigFileOf(CrashFacts facts, List<string> recent, int index, string? missingKey = null)
    {
        string? path = null;
        for (var i = index; i < Math.Min(recent.Count, index + 6) && path is null; i++)
            path = ConfigText.ConfigPath(recent[i]) ?? (i == index && missingKey is null ? AbsolutePath(recent[i]) : null);
        var fromArgs = false;
        if (path is null)
        {
            var words = (facts.Spec?.Command ?? []).Concat(facts.Spec?.Args ?? []).ToList();
            path = ConfigText.ConfigArgument(words);
            fromArgs = path is not null;
        }
        if (path is null) return SoleConfigMount(facts, missingKey);

        var pod = facts.Snapshot.Pod?.Spec;
        var absolute = path.StartsWith('/') ? path : Resolve(facts.Spec, path);
        var mount = absolute is null ? null : SpecSources.MountOf(facts.Spec, pod, absolute);
        var shown = absolute ?? path;
        var values = Values(("path", shown), ("key", mount?.Key), ("missingKey", missingKey), ("fromArgs", fromArgs ? "true" : null));
        string text;
        if (mount is null)
        {
            var others = ConfigMounts(facts).Select(m => $"{m.Source} at {m.MountPath}").ToList();
            text = $"{shown} is on no volume of container {facts.ContainerName}: it must come from the image"
                + (others.Count > 0 ? $" (the container mounts {string.Join(", ", others)})" : "");
            values["mounted"] = "false";
            if (others.Count > 0) values["otherMounts"] = string.Join("; ", others);
        }
        else
        {
            values["mountPath"] = mount.MountPath; values["volume"] = mount.Mount.Name; values["volumeKind"] = mount.Kind; values["object"] = mount.Source;
            if (!string.IsNullOrEmpty(mount.Mount.SubPath)) values["subPath"] = mount.Mount.SubPath;
            var items = mount.Volume?.ConfigMap?.Items ?? mount.Volume?.Secret?.Items;
            if (mount.Key == "") values["notProjected"] = "true";
            if (items is { Count: > 0 }) values["items"] = string.Join(", ", items.Select(i => i.Key == i.Path ? i.Key : $"{i.Key}→{i.Path}"));
            text = mount.Key switch
            {
                "" => $"{shown} is on volume {mount.Mount.Name} ({mount.Source}, mounted at {mount.MountPath}), whose items ({values["items"]}) do not project it",
                { } key => $"{shown} is key {key} of {mount.Source} (volume {mount.Mount.Name} mounted at {mount.MountPath}{(values.ContainsKey("subPath") ? $", subPath {mount.Mount.SubPath}" : "")})",
                null => $"{shown} is on {mount.Source} (volume {mount.Mount.Name} mounted at {mount.MountPath})",
            };
        }
        if (missingKey is not null) text = $"key '{missingKey}' is missing from the config file: {text}";
        return new Finding(FindingKinds.ConfigFile, text, "pod.spec") { Values = values };
    }

    /// <summary>With no path named, the one ConfigMap/Secret the container mounts is where its config file comes from (its one key, when the snapshot shows the keys).</summary>
    static Finding? SoleConfigMount(CrashFacts facts, string? missingKey)
    {
        var mounts = ConfigMounts(facts).ToList();
        if (mounts.Count != 1) return null;
        var m = mounts[0];
        var keys = m.Volume?.ConfigMap?.Name is { } cm ? SpecSources.ConfigMapKeys(facts.Snapshot, facts.Namespace, cm) : null;
        var key = keys is [var only] ? only : keys?.Where(k => ConfigText.ConfigPath(k) == k).ToList() is [var config] ? config : null;
        var path = key is null ? m.MountPath : m.MountPath.TrimEnd('/') + "/" + key;
        return new Finding(FindingKinds.ConfigFile,
            $"{(missingKey is null ? "" : $"key '{missingKey}' is missing from the config file; ")}the container's config comes from {m.Source}{(key is null ? "" : $" (key {key})")}, mounted at {m.MountPath} (volume {m.Mount.Name})", "pod.spec")
        {
            Values = Values(("path", path), ("mountPath", m.MountPath), ("volume", m.Mount.Name), ("volumeKind", m.Kind), ("object", m.Source), ("key", key), ("missingKey", missingKey)),
        };
    }

    /// <summary>The volume the kubelet could not mount, and the ConfigMap/Secret (and key) it asks for.</summary>
    static Finding? MountReference(CrashFacts facts, ConfigText.MountFailure failure)
    {
        var volume = facts.Snapshot.Pod?.Spec?.Volumes?.FirstOrDefault(v => v.Name == failure.Volume);
        var sources = new List<(string Kind, string Name, IList<V1KeyToPath>? Items)>();
        if (volume?.ConfigMap is { } c) sources.Add(("configmap", c.Name, c.Items));
        if (volume?.Secret is { } s) sources.Add(("secret", s.SecretName, s.Items));
        foreach (var p in volume?.Projected?.Sources ?? [])
        {
            if (p.ConfigMap is { } pc) sources.Add(("configmap", pc.Name, pc.Items));
            if (p.Secret is { } ps) sources.Add(("secret", ps.Name, ps.Items));
        }
        var source = failure.Name is not null
            ? sources.FirstOrDefault(x => x.Name == failure.Name)
            : sources.FirstOrDefault(x => x.Items?.Any(i => i.Key == failure.Key) == true);
        var kind = failure.Kind ?? source.Kind ?? "configmap";
        var name = failure.Name ?? source.Name;
        if (name is null) return null;
        var objectName = kind == "secret" ? $"Secret {name}" : $"ConfigMap {name}";
        var itemText = failure.Key is not null && source.Items is { Count: > 0 } items ? $" (its items ask for {string.Join(", ", items.Select(i => i.Key))})" : "";
        return new Finding(FindingKinds.MissingReference,
            $"{(failure.Key is null ? objectName : $"key {failure.Key} of {objectName}")} does not exist; volume {failure.Volume} needs it{itemText}", "event")
        {
            Values = Values(("kind", kind), ("name", name), ("key", failure.Key), ("uses", $"volume {failure.Volume}{itemText}"), ("volume", failure.Volume)),
        };
    }

    /// <summary>The container's ConfigMap and Secret mounts, without the service account token projection.</summary>
    static IEnumerable<SpecSources.MountInfo> ConfigMounts(CrashFacts facts) =>
        (facts.Spec?.VolumeMounts ?? [])
            .Select(m => SpecSources.MountOf(facts.Spec, facts.Snapshot.Pod?.Spec, m.MountPath))
            .Where(m => m is { Kind: "configMap" or "secret" })
            .Select(m => m!);

    /// <summary>A relative path against the container's workingDir, else against the mount whose path ends with its directory.</summary>
    static string? Resolve(V1Container? spec, string relative)
    {
        relative = relative.StartsWith("./", StringComparison.Ordinal) ? relative[2..] : relative;
        if (spec?.WorkingDir is { Length: > 0 } dir) return dir.TrimEnd('/') + "/" + relative;
        var slash = relative.LastIndexOf('/');
        if (slash <= 0) return null;
        var directory = "/" + relative[..slash];
        var mount = spec?.VolumeMounts?.FirstOrDefault(m => m.MountPath.TrimEnd('/').EndsWith(directory, StringComparison.Ordinal));
        return mount is null ? null : mount.MountPath.TrimEnd('/') + relative[slash..];
    }

    static string? AbsolutePath(string line) => Targets.Path(line) is { } p && p.Count(c => c == '/') >= 2 ? p : null;

    /// <summary>ENV_FILE in "/app/.env" is a path, not a variable.</summary>
    static bool IsFileName(string line, string variable) => line.Contains("/" + variable, StringComparison.Ordinal);

    static Finding? Credential(CrashFacts facts, List<string> recent)
    {
        var user = recent.Take(12).Select(ConfigText.RejectedUser).FirstOrDefault(u => u is not null);
        var env = facts.Spec?.Env ?? [];
        var userVar = user is null ? null : env.FirstOrDefault(e => e.Value == user && UserName().IsMatch(e.Name));
        userVar ??= user is null ? null : env.FirstOrDefault(e => e.Value == user);
        var passwords = env.Where(e => PasswordName().IsMatch(e.Name)).ToList();
        // The password variable that shares the user variable's prefix (KC_DB_USERNAME → KC_DB_PASSWORD), else the one the line's words point at.
        var words = string.Join(' ', recent.Take(6)).ToUpperInvariant();
        var password = userVar is not null
            ? passwords.OrderByDescending(p => CommonPrefix(p.Name, userVar.Name)).FirstOrDefault()
            : passwords.OrderByDescending(p => p.Name.Split('_').Count(w => w.Length > 2 && words.Contains(w, StringComparison.Ordinal))).FirstOrDefault();
        var envFrom = (facts.Spec?.EnvFrom ?? []).Where(f => f.SecretRef is not null).Select(f => $"Secret {f.SecretRef.Name}").ToList();
        if (password is null && userVar is null && user is null && envFrom.Count == 0) return null;

        var values = Values(("user", user), ("userVariable", userVar?.Name), ("passwordVariable", password?.Name));
        var parts = new List<string>();
        if (userVar is not null) parts.Add($"user: {SpecSources.Origin(facts.Spec, userVar.Name).Text}");
        if (password is not null)
        {
            var origin = SpecSources.Origin(facts.Spec, password.Name);
            parts.Add($"password: {origin.Text}");
            if (origin.Get("name") is { } secret) values["secret"] = secret;
            if (origin.Get("key") is { } key) values["key"] = key;
            values["passwordSource"] = origin.Kind;
        }
        else if (envFrom.Count > 0)
        {
            parts.Add($"the password can only come from envFrom {string.Join(", ", envFrom)}");
            values["envFrom"] = string.Join(", ", envFrom);
        }
        return new Finding(FindingKinds.RejectedCredential,
            $"the server rejects the login{(user is null ? "" : $" of user \"{user}\"")}" + (parts.Count > 0 ? ": " + string.Join("; ", parts) : ""), "log")
        { Values = values };
    }

    /// <summary>
    /// A database that refuses the session (not the network, not only the password): the user and database the
    /// container connects as, and where each comes from.
    /// </summary>
    static Finding? Session(CrashFacts facts, List<string> recent)
    {
        var missing = recent.Take(12).Select(ConfigText.MissingRole).FirstOrDefault(m => m is not null);
        var env = facts.Spec?.Env ?? [];
        var user = env.Where(e => UserName().IsMatch(e.Name) && !PasswordName().IsMatch(e.Name))
            .OrderByDescending(e => missing is { Kind: "role" } m && e.Value == m.Name).ThenByDescending(e => e.Name.Contains("DB", StringComparison.OrdinalIgnoreCase) || e.Name.Contains("PG", StringComparison.OrdinalIgnoreCase))
            .FirstOrDefault();
        var database = env.Where(e => DatabaseName().IsMatch(e.Name))
            .OrderByDescending(e => missing is { Kind: "database" } m && e.Value == m.Name).FirstOrDefault();
        if (user is null && database is null) return null;
        var parts = new List<string>();
        if (user is not null) parts.Add($"user: {SpecSources.Origin(facts.Spec, user.Name).Text}");
        if (database is not null) parts.Add($"database: {SpecSources.Origin(facts.Spec, database.Name).Text}");
        var values = Values(("kind", "session"), ("userVariable", user?.Name), ("databaseVariable", database?.Name),
            ("missingKind", missing?.Kind), ("missingName", missing?.Name));
        if (user is not null && SpecSources.Origin(facts.Spec, user.Name) is { Kind: "secretKeyRef" } origin)
        {
            values["userSecret"] = origin.Get("name")!;
            values["userKey"] = origin.Get("key")!;
        }
        return new Finding(FindingKinds.RejectedCredential,
            $"the database server refuses the session{(missing is { } m2 ? $" ({m2.Kind} \"{m2.Name}\" does not exist)" : "")}: {string.Join("; ", parts)}", "log")
        { Values = values };
    }

    static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    static Dictionary<string, string> Values(params (string Key, string? Value)[] pairs)
    {
        var values = new Dictionary<string, string>();
        foreach (var (key, value) in pairs) if (!string.IsNullOrEmpty(value)) values[key] = value;
        return values;
    }

    [GeneratedRegex(@"PASS|PWD|SECRET|TOKEN|CREDENTIAL|API_?KEY", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordName();

    [GeneratedRegex(@"(DB|DATABASE|PG|POSTGRES|MYSQL|MARIADB|MONGO)_?(NAME|DATABASE|DB)$|^(PGDATABASE|POSTGRES_DB|MYSQL_DATABASE|DB_DATABASE|DATABASE_NAME|DB_NAME)$", RegexOptions.IgnoreCase)]
    private static partial Regex DatabaseName();

    [GeneratedRegex(@"USER|LOGIN", RegexOptions.IgnoreCase)]
    private static partial Regex UserName();

    [GeneratedRegex(@"KeyError: '(?<k>[^']+)'|key '(?<k>[^']+)' (is )?(missing|not found)|missing (required )?key:? [""'](?<k>[^""']+)[""']")]
    private static partial Regex MissingKey();

    [GeneratedRegex(@"-{1,2}(?<n>[\w-]+?)[-_]port[=\s]+['""]?(?<v>(?:tcp|udp|sctp)://[\d.:\[\]a-fA-F]+)", RegexOptions.IgnoreCase)]
    private static partial Regex FlagBefore();

    [GeneratedRegex(@"Could not resolve placeholder '(?<p>[^':]+)")]
    private static partial Regex Placeholder();
}
