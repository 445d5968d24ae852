using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>Configuration next steps, written from the findings of <see cref="ConfigFinder"/> with this pod's names and values.</summary>
public static partial class Remedies
{
    static IEnumerable<string> ConfigSteps(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = new List<string>();
        var ns = Shell.Quote(facts.Namespace);
        var c = facts.ContainerName;
        var detail = match.Detail ?? "";

        if (findings.First(FindingKinds.MissingReference) is { } missing)
        {
            var kind = missing.Get("kind") ?? "configmap";
            var what = missing.Get("key") is { } key ? $"key {key} in {kind} {missing.Get("name")}" : $"{kind} {missing.Get("name")}";
            steps.Add($"Create {what} in namespace {facts.Namespace} (kubectl create {kind} ...), or fix the name in the spec"
                + (missing.Get("uses") is { Length: > 0 } uses ? $"; the spec uses it in: {uses.Replace("; ", ", ", StringComparison.Ordinal)}" : ""));
            if (missing.Get("volume") is { } volume && missing.Get("key") is { } missingKey)
                steps.Add($"Or remove the item {missingKey} from volume {volume}'s items, if the container does not need that file");
            else
                steps.Add("If the container can start without it, mark the reference optional: true");
            if (RecentChange(facts) is { } changed) steps.Add(changed);
            return steps;
        }

        if (findings.First(FindingKinds.ServiceLinkCollision) is { } link)
        {
            var variable = link.Get("variable");
            var service = link.Get("service");
            var template = OwnerText(facts) is { } owner ? $"the pod template of {owner} (spec.template.spec)" : "the pod spec";
            steps.Add($"{variable}={link.Get("value")} is injected by Kubernetes because Service {service} exists in namespace {facts.Namespace}, and the app reads {variable} as its own setting: "
                + $"set enableServiceLinks: false in {template}, or make the app read a variable no Service name produces (rename its {variable}, or set {variable} explicitly under env of container {c})");
            if (link.Get("hostVariable") is { } hostVariable)
                steps.Add($"{hostVariable} names Service {service}, and {variable} is left unset, so the app takes the injected {variable}=tcp://CLUSTER-IP:PORT: set {variable} to the plain port under env of container {c}, or disable service links");
            else if (link.Get("certain") != "true")
                steps.Add($"Confirm the collision: kubectl get service {Shell.Quote(service ?? "")} -n {ns} (a Service of that name injects {variable}=tcp://CLUSTER-IP:PORT into every pod of the namespace)");
        }

        foreach (var flag in findings.OfKind(FindingKinds.UnknownFlag))
        {
            var image = flag.Get("image");
            if (flag.Get("singleDash") == "true")
                steps.Add($"Write {flag.Get("field")}[{flag.Get("index")}] of container {c} with two dashes: \"-{flag.Get("entry")}\" instead of \"{flag.Get("entry")}\"; the parser of image {image} reads a single dash as the short flag {flag.Get("flag")} (check the flags its version accepts: docker run --rm {Shell.Quote(image ?? "IMAGE")} --help)");
            else if (flag.Get("field") is { } field)
                steps.Add($"Remove or rename {field}[{flag.Get("index")}] \"{flag.Get("entry")}\" of container {c}: the program in image {image} does not define {flag.Get("flag")} "
                    + $"(the flag belongs to another version or another program; list the flags with: docker run --rm {Shell.Quote(image ?? "IMAGE")} --help)");
            else
                steps.Add($"{flag.Get("flag")} is rejected by the program in image {image}, and {UnknownFlagWhere(flag)}: remove it there, or use an image version that defines it");
        }

        var file = findings.First(FindingKinds.ConfigFile);
        if (findings.First(FindingKinds.UnknownField) is { } field2)
        {
            var where = file is null ? "the config file it loads" : FileWhere(file);
            steps.Add($"Remove or rename field {field2.Get("field")} in {where}{(field2.Get("line") is { } line ? $" (line {line})" : "")}: the program in image {field2.Get("image")} does not know it"
                + (field2.Get("type") is { } type ? $" (no such field in {type})" : "")
                + "; check its name and nesting against the configuration reference of that version");
            if (EditCommand(file, facts) is { } edit) steps.Add(edit);
        }
        else if (file is not null)
        {
            steps.AddRange(ConfigFileSteps(file, detail, facts));
        }

        if (findings.First(FindingKinds.RejectedCredential) is { } credential)
            steps.AddRange(CredentialSteps(credential, facts));

        if (findings.First(FindingKinds.MissingVariable) is { } variableFinding && findings.First(FindingKinds.VariableSource) is { } source)
            steps.AddRange(VariableSteps(variableFinding, source, facts));

        if (steps.Count == 0 && !findings.Has(FindingKinds.MountShadow))
            steps.Add($"Fix the setting the log names: {Text.Clip(detail, 200)}");
        if (RecentChange(facts) is { } change) steps.Add(change);
        return steps;
    }

    static string UnknownFlagWhere(Finding flag)
    {
        var text = flag.Text;
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? "the spec does not pass it" : text[(colon + 2)..];
    }

    /// <summary>"/etc/app/config.yaml (key config.yaml of ConfigMap app-config, mounted at /etc/app)".</summary>
    static string FileWhere(Finding file)
    {
        var path = file.Get("path");
        if (file.Get("object") is not { } obj) return path ?? "the config file";
        if (path == file.Get("mountPath")) return $"the config file in {obj} (mounted at {path})";
        return file.Get("key") is { Length: > 0 } key
            ? $"{path} (key {key} of {obj}, mounted at {file.Get("mountPath")})"
            : $"{path} (on {obj}, mounted at {file.Get("mountPath")})";
    }

    static string? EditCommand(Finding? file, CrashFacts facts)
    {
        var obj = file?.Get("object");
        if (obj is null || file!.Get("volumeKind") is not ("configMap" or "secret")) return null;
        var space = obj.IndexOf(' ', StringComparison.Ordinal);
        var kind = obj[..space].ToLowerInvariant();
        var name = obj[(space + 1)..];
        var restart = file.Get("subPath") is not null
            ? "; it is mounted with subPath, which never sees updates: restart the pods after the edit"
            : "; the kubelet refreshes the mounted file within a minute, and the next restart reads it";
        return $"Edit it with: kubectl edit {kind} {Shell.Quote(name)} -n {Shell.Quote(facts.Namespace)}{restart}";
    }

    static IEnumerable<string> ConfigFileSteps(Finding file, string detail, CrashFacts facts)
    {
        var path = file.Get("path");
        var notFound = NotFound().IsMatch(detail);
        if (file.Get("missingKey") is { } missingKey)
        {
            yield return $"Add the key '{missingKey}' the app reads to {FileWhere(file)}: the app expects it and the loaded config lacks it";
            if (EditCommand(file, facts) is { } edit) yield return edit;
            yield break;
        }
        if (file.Get("mounted") == "false")
        {
            yield return $"{path} is on no volume of container {facts.ContainerName}, so only the image can provide it: mount the ConfigMap or Secret that holds {FileName(path)} at {Parent(path)}, or point the app at a path that is mounted"
                + (file.Get("otherMounts") is { } others ? $" (the container mounts {others})" : "");
            yield break;
        }
        var obj = file.Get("object");
        var key = file.Get("key");
        if (file.Get("notProjected") == "true")
        {
            yield return $"Volume {file.Get("volume")} projects only the items {file.Get("items")} of {obj}: add an item for {FileName(path)} (key: KEY, path: {FileName(path)}), or drop items to project every key";
            yield break;
        }
        if (notFound && key is not null && file.Get("volumeKind") == "configMap" && obj is not null
            && SpecSources.ConfigMapKeys(facts.Snapshot, facts.Namespace, obj["ConfigMap ".Length..]) is { } keys)
        {
            yield return keys.Contains(key)
                ? $"{obj} has key {key}, yet {path} is missing: check the volume's items and the mount (kubectl get pod {Shell.Quote(facts.PodName)} -n {Shell.Quote(facts.Namespace)} -o yaml), and that the app reads the path the volume is mounted at"
                : $"{obj} has no key {key} (its keys: {(keys.Count == 0 ? "none" : string.Join(", ", keys.Take(12)))}), so there is no {path}: add key {key} to {obj}, or point the app at a file it has";
            yield break;
        }
        if (notFound && key is not null && file.Get("volumeKind") is "configMap" or "secret")
        {
            yield return $"{path} exists only if {obj} has a key {key}: add key {key} to {obj} (kubectl describe {obj!.Split(' ')[0].ToLowerInvariant()} {Shell.Quote(obj.Split(' ')[1])} -n {Shell.Quote(facts.Namespace)} lists its keys), or fix the file name the app is given";
            yield break;
        }
        var line = Regex.Match(detail, @"\bline (\d+)", RegexOptions.IgnoreCase) is { Success: true } m ? $" at line {m.Groups[1].Value}" : "";
        yield return notFound
            ? $"{path} is missing on {obj} (mounted at {file.Get("mountPath")}): create it there, or fix the path the app is given"
            : $"Fix {FileWhere(file)}{line}: the app cannot load it ({Text.Clip(detail, 160)})";
        if (!notFound && EditCommand(file, facts) is { } editCommand) yield return editCommand;
    }

    static IEnumerable<string> CredentialSteps(Finding credential, CrashFacts facts)
    {
        if (credential.Get("kind") == "session")
        {
            var what = credential.Get("missingKind") is { } kind ? $"{kind} \"{credential.Get("missingName")}\" does not exist on the server" : "the server (or the pooler in front of it) refuses the session for this user or database";
            var settings = new List<string>();
            if (credential.Get("userVariable") is { } userVar) settings.Add($"the user is {userVar}{(credential.Get("userSecret") is { } us ? $" (key {credential.Get("userKey")} of Secret {us})" : $" ({SpecSources.Origin(facts.Spec, userVar).Text})")}");
            if (credential.Get("databaseVariable") is { } dv) settings.Add($"the database is {dv} ({SpecSources.Origin(facts.Spec, dv).Text})");
            yield return $"The database accepts the connection but {what}: {string.Join("; ", settings)}; connect as a role that exists and may use that database (and the pooler's mode, e.g. pgbouncer's, allows), or create them on the server";
            yield break;
        }
        var user = credential.Get("user");
        var who = user is null ? "the login" : $"the password of user \"{user}\"";
        var userVariable = credential.Get("userVariable") is { } uv ? $" (the user is {uv})" : "";
        if (credential.Get("passwordVariable") is { } password)
        {
            var from = credential.Get("secret") is { } secret
                ? $"{password}, from key {credential.Get("key")} of Secret {secret}"
                : $"{password} ({SpecSources.Origin(facts.Spec, password).Text})";
            yield return $"The server rejects {who}{userVariable}: the container's password is {from}; make it match the password the server has for that user (or reset it on the server), then restart the pod: env from a Secret is read only when the container starts";
            if (credential.Get("secret") is { } s && credential.Get("key") is { } k)
                yield return $"Compare the value: kubectl get secret {Shell.Quote(s)} -n {Shell.Quote(facts.Namespace)} -o jsonpath={Shell.Quote("{.data." + k + "}")} | base64 -d (a trailing newline or a value changed after the database was first initialised are common)";
        }
        else if (credential.Get("envFrom") is { } envFrom)
            yield return $"The server rejects {who}{userVariable}: the container's credentials can only come from envFrom {envFrom}; check the password key there against the server's";
        else
            yield return $"The server rejects {who}{userVariable}: the spec passes no password variable to container {facts.ContainerName}, so the app uses a default or a file: give it the right password from a Secret";
    }

    static IEnumerable<string> VariableSteps(Finding variable, Finding source, CrashFacts facts)
    {
        var name = variable.Get("variables") ?? variable.Get("variable");
        var keys = variable.Get("variables") is { } many && source.Get("prefix") is null ? $"keys {many}" : $"key {source.Get("key")}";
        var c = facts.ContainerName;
        var ns = Shell.Quote(facts.Namespace);
        if (variable.Get("property") is { } property)
        {
            var profiles = (facts.Spec?.Env ?? []).FirstOrDefault(e => e.Name == "SPRING_PROFILES_ACTIVE")?.Value;
            yield return $"Define {property}: add it to the application config{(profiles is null ? "" : $" of the active profile ({profiles})")}, or set env {name} on container {c}"
                + (source.Get("kind") is "unset" ? "" : $" ({source.Text})");
            yield break;
        }
        switch (source.Get("kind"))
        {
            case "unset":
                yield return $"The spec does not set {name}: add it under env of container {c} (the container has no envFrom source that could supply it)";
                break;
            case "envFrom":
                var objects = source.Get("object") ?? "";
                var known = objects.Split(", ").Where(o => o.StartsWith("ConfigMap ", StringComparison.Ordinal))
                    .Select(o => (Name: o["ConfigMap ".Length..], Keys: SpecSources.ConfigMapKeys(facts.Snapshot, facts.Namespace, o["ConfigMap ".Length..])))
                    .Where(k => k.Keys is not null).ToList();
                if (known.Count > 0 && variable.Get("variables") is null && source.Get("key") is { } wanted)
                    foreach (var (cm, cmKeys) in known)
                        yield return cmKeys!.Contains(wanted)
                            ? $"ConfigMap {cm} (envFrom) has key {wanted}: {name} is set, and its value is empty or invalid; fix the value"
                            : $"ConfigMap {cm} (envFrom) has no key {wanted}: add it there";
                var kubectlForms = string.Join(", ", objects.Split(", ").Select(o => o.Replace("ConfigMap ", "configmap/", StringComparison.Ordinal).Replace("Secret ", "secret/", StringComparison.Ordinal)));
                yield return $"The spec does not set {name} under env; it can only come from envFrom {kubectlForms} as {keys}{(source.Get("prefix") is { } p ? $" (prefix {p})" : "")}: add {(variable.Get("variables") is null ? "that key" : "them")} there, or set {name} under env of container {c}";
                break;
            case "configMapKeyRef" or "secretKeyRef":
                var kind = source.Get("kind") == "secretKeyRef" ? "secret" : "configmap";
                yield return source.Get("optional") == "true"
                    ? $"{source.Text}: an optional reference leaves {name} unset when the key is missing; add key {source.Get("key")} to {source.Get("object")}"
                    : $"{source.Text}, and the container started, so that key exists: its value is empty or invalid; fix the value of key {source.Get("key")} in {source.Get("object")}";
                yield return $"Read it: kubectl get {kind} {Shell.Quote(source.Get("name") ?? "")} -n {ns} -o jsonpath={Shell.Quote("{.data." + source.Get("key") + "}")}{(kind == "secret" ? " | base64 -d" : "")}";
                break;
            case "literal":
                yield return source.Get("value") is { Length: > 0 } value
                    ? $"{name} is set literally to \"{Text.Clip(value, 60)}\" in env of container {c}, and the app still rejects it: fix the value (or the name the app reads)"
                    : $"{name} is set to an empty value in env of container {c}: give it a value";
                break;
            default:
                yield return $"{source.Text}: check that it yields the value the app needs";
                break;
        }
    }

    static string? OwnerText(CrashFacts facts) => PodWorkload.Of(facts) is { } o ? $"{o.Kind} {o.Name}" : null;

    static string FileName(string? path) => path is null ? "the file" : path[(path.LastIndexOf('/') + 1)..];

    static string Parent(string? path) => path is null || path.LastIndexOf('/') <= 0 ? "its directory" : path[..path.LastIndexOf('/')];

    [GeneratedRegex(@"no such file|not found|does not exist|ENOENT|cannot find|could not find|FileNotFound|Could not open|cannot open|unable to open|failed to open", RegexOptions.IgnoreCase)]
    private static partial Regex NotFound();
}
