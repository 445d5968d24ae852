using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Reads configuration and permission faults out of log lines: a service-link value where a number was expected,
/// an unknown flag, an unknown field of a config file, the user whose credentials were rejected, a privileged port.
/// General signals (the shapes common parsers print), not one product's sentence.
/// </summary>
public static partial class ConfigText
{
    /// <summary>A service-link value (tcp://IP:PORT) where a number or host was expected, and the variable when the log names it.</summary>
    public sealed record ServiceLinkValue(string Value, string Port, string? Variable);

    public static ServiceLinkValue? ServiceLink(string line)
    {
        var m = TcpValue().Match(line);
        if (!m.Success || !ParseContext().IsMatch(line) || Connecting().IsMatch(line)) return null;
        return new(m.Value, m.Groups["port"].Value, PortVariableIn(line));
    }

    /// <summary>A variable named like a service link (X_PORT, X_PORT_80_TCP...) on a line, if any; error codes ([ERR_SOCKET_BAD_PORT]) are not variables.</summary>
    public static string? PortVariableIn(string line) =>
        PortVariable().Matches(line).Where(v => !v.Value.StartsWith("ERR_", StringComparison.Ordinal) && (v.Index == 0 || line[v.Index - 1] != '['))
            .Select(v => v.Value).LastOrDefault();

    /// <summary>The flags a parser rejected ("flag provided but not defined: -foo", "unknown flag: --foo", "unrecognized arguments: --a --b").</summary>
    public static IReadOnlyList<string> UnknownFlags(string line)
    {
        var m = UnknownFlag().Match(line);
        if (!m.Success) return [];
        var raw = m.Groups["f"].Value.Trim().Trim('\'', '"', '`');
        if (m.Groups["short"].Success) return [$"-{m.Groups["short"].Value}"];
        return raw.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith('-') || m.Groups["bare"].Success).Select(f => f.Trim('\'', '"', '`', ',')).Take(4).ToList() is { Count: > 0 } flags
            ? flags : [raw];
    }

    /// <summary>A port the app could not parse or use, without the value: ERR_SOCKET_BAD_PORT, "Received NaN", "invalid port".</summary>
    public static bool IsBadPort(string line) => BadPort().IsMatch(line);

    /// <summary>Variables a startup check lists one per line under "requires that these variables are set:" (bullets "- NAME").</summary>
    public static IReadOnlyList<string> ListedVariables(IReadOnlyList<LogLine> lines)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            if (!VariablesHeader().IsMatch(lines[i].Text)) continue;
            var names = new List<string>();
            for (var j = i + 1; j < lines.Count && j <= i + 30; j++)
            {
                var t = lines[j].Text.Trim();
                if (t.Length == 0 && names.Count == 0) continue;
                var m = ListedName().Match(t);
                if (!m.Success) break;
                names.Add(m.Groups[1].Value);
            }
            if (names.Count > 0) return names;
        }
        return [];
    }

    public static bool IsVariablesHeader(string line) => VariablesHeader().IsMatch(line);

    /// <summary>The same flag with its dashes and value cut off, for matching args entries: "--zap-level=info" → "zap-level".</summary>
    public static string FlagName(string flag)
    {
        var name = flag.TrimStart('-');
        var eq = name.IndexOf('=');
        return eq >= 0 ? name[..eq] : name;
    }

    /// <summary>A field a strict config loader rejected, with the type or line when printed.</summary>
    public sealed record UnknownFieldText(string Field, string? Type, string? Line);

    public static UnknownFieldText? UnknownField(string line, string? previous)
    {
        var m = UnknownFieldPattern().Match(line);
        if (m.Success)
        {
            var field = m.Groups["f"].Value.Trim().Trim('\'', '"', '`', '[', ']').TrimEnd(',');
            var lineNo = LineNumber().Match(line);
            return new(field, m.Groups["t"].Success ? m.Groups["t"].Value : null, lineNo.Success ? lineNo.Groups[1].Value : null);
        }
        // pydantic: the field stands on the line above "Extra inputs are not permitted".
        if (ExtraForbidden().IsMatch(line) && previous is { } p && FieldLine().Match(p.Trim()) is { Success: true } f)
            return new(f.Value, null, null);
        return null;
    }

    /// <summary>The user named by a rejected login: password authentication failed for user "app", Access denied for user 'root'@'...'.</summary>
    public static string? RejectedUser(string line) => RejectedUserPattern().Match(line) is { Success: true } m ? m.Groups["u"].Value : null;

    public static bool IsCredentialRejection(string line) => CredentialRejected().IsMatch(line);

    /// <summary>A database server that accepted the connection but refused the session: SQLSTATE 28xxx/08P01/3D000, a pooler's config error, pg_hba, an unknown role or database.</summary>
    public static bool IsSessionRejection(string line) => SessionRejected().IsMatch(line);

    /// <summary>The role or database a server says does not exist: role "app" does not exist, database "shop" does not exist.</summary>
    public static (string Kind, string Name)? MissingRole(string line) =>
        MissingRoleOrDatabase().Match(line) is { Success: true } m ? (m.Groups["k"].Value.ToLowerInvariant(), m.Groups["n"].Value) : null;

    [GeneratedRegex(@"\b(28P01|28000|08P01|3D000)\b|bouncer config error|no pg_hba\.conf entry|pg_hba|(role|database) ""[^""]+"" does not exist|Unknown database", RegexOptions.IgnoreCase)]
    private static partial Regex SessionRejected();

    [GeneratedRegex(@"(?<k>role|database) ""(?<n>[^""]+)"" does not exist", RegexOptions.IgnoreCase)]
    private static partial Regex MissingRoleOrDatabase();

    /// <summary>An API request the service account may not make: who, the verb, the resource and group, and where.</summary>
    public sealed record RbacDenial(string ServiceAccountNamespace, string ServiceAccount, string Verb, string Resource, string Group, string? Namespace);

    public static RbacDenial? Rbac(string line)
    {
        var m = RbacForbidden().Match(line);
        if (!m.Success) return null;
        return new(m.Groups["sans"].Value, m.Groups["sa"].Value, m.Groups["verb"].Value, m.Groups["res"].Value, m.Groups["group"].Value,
            m.Groups["ns"].Success ? m.Groups["ns"].Value : null);
    }

    [GeneratedRegex(@"User \\?""system:serviceaccount:(?<sans>[\w.-]+):(?<sa>[\w.-]+)\\?"" cannot (?<verb>\w+) resource \\?""(?<res>[\w./-]+)\\?"" in API group \\?""(?<group>[\w.-]*)\\?""(?: in the namespace \\?""(?<ns>[\w.-]+)\\?""| at the cluster scope)?")]
    private static partial Regex RbacForbidden();

    /// <summary>A config file the program could not parse: "While parsing config: invalid character", "error parsing config.yaml: yaml: line 3".</summary>
    public static bool IsConfigParseError(string line) => ConfigParse().IsMatch(line);

    [GeneratedRegex(@"(pars|load|read|decod|unmarshal)\w*\s+(the\s+)?(config|configuration|settings)\b.*(invalid character|unexpected|syntax error|did not find expected|cannot unmarshal|mapping values|expected|unterminated|invalid)", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigParse();

    /// <summary>The kubelet could not mount a volume because its ConfigMap/Secret (or a key of it) is missing.</summary>
    public sealed record MountFailure(string Volume, string? Key, string? Kind, string? Name);

    public static MountFailure? FailedMount(string message)
    {
        var m = FailedMountPattern().Match(message);
        if (!m.Success) return null;
        return new(m.Groups["vol"].Value, m.Groups["key"].Success ? m.Groups["key"].Value : null,
            m.Groups["kind"].Success ? m.Groups["kind"].Value.ToLowerInvariant() : null, m.Groups["name"].Success ? m.Groups["name"].Value : null);
    }

    [GeneratedRegex(@"for volume ""(?<vol>[^""]+)"" : (?:(?:configmap|secret) references non-existent (?:config |secret )?key:\s*(?<key>\S+)|(?<kind>configmap|secret) ""(?<name>[^""]+)"" not found|couldn't find key (?<key>\S+) in (?<kind>ConfigMap|Secret) (?:[\w-]+/)?(?<name>[\w.-]+))", RegexOptions.IgnoreCase)]
    private static partial Regex FailedMountPattern();

    /// <summary>A privileged port (below 1024) a bind/listen was refused on.</summary>
    public static int? PrivilegedPort(string line)
    {
        if (!BindRefused().IsMatch(line) || !Denied().IsMatch(line)) return null;
        var m = PortOnLine().Match(line);
        return m.Success && int.TryParse(m.Groups["p"].Value, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 1024 ? port : null;
    }

    /// <summary>A privileged port refused on one of the last lines, or in a multi-line error object (Node's { syscall: 'listen', port: 80 }).</summary>
    public static int? PrivilegedPortNear(IReadOnlyList<string> recent)
    {
        foreach (var line in recent)
            if (PrivilegedPort(line) is { } port) return port;
        var text = string.Join('\n', recent);
        if (!SyscallBind().IsMatch(text) || !Denied().IsMatch(text)) return null;
        var m = PortField().Match(text);
        return m.Success && int.TryParse(m.Groups["p"].Value, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is > 0 and < 1024 ? p : null;
    }

    [GeneratedRegex(@"syscall['""]?:\s*['""](listen|bind)['""]", RegexOptions.IgnoreCase)]
    private static partial Regex SyscallBind();

    [GeneratedRegex(@"EACCES|permission denied|Errno 13", RegexOptions.IgnoreCase)]
    private static partial Regex Denied();

    [GeneratedRegex(@"^\s*""?port""?\s*[:=]\s*(?<p>\d{1,5})\b", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex PortField();

    /// <summary>chown/chmod (or a similar ownership change) refused: EPERM on a volume, even to root.</summary>
    public static bool IsOwnershipChangeRefused(string line) => OwnershipRefused().IsMatch(line);

    [GeneratedRegex(@"(?:^|[\s'""(=:\[])(?<p>(?:/[\w.@+-]+)+/?)")]
    private static partial Regex AbsolutePath();

    /// <summary>The paths a line reports missing: "PATH: No such file", "open PATH: ...", "No such file or directory: 'PATH'"; not a script's "PATH: line 5:" prefix.</summary>
    public static IEnumerable<string> MissingPaths(string line)
    {
        if (!MissingAnywhere().IsMatch(line)) yield break;
        foreach (Match m in AbsolutePath().Matches(line))
        {
            var g = m.Groups["p"];
            var after = line[(g.Index + g.Length)..];
            var before = line[..g.Index];
            if (MissingAfter().IsMatch(after) || MissingBefore().IsMatch(before))
                yield return g.Value.TrimEnd('\'', '"', ':', ',', ')', '.');
        }
    }

    [GeneratedRegex(@"No such file|not found|does not exist|ENOENT|is missing|cannot be found|could not be found|FileNotFound|Could not (open|find)|cannot (open|find)", RegexOptions.IgnoreCase)]
    private static partial Regex MissingAnywhere();

    [GeneratedRegex(@"^['""`)\]]?:?\s*(\(?No such file|not found|does not exist|ENOENT|is missing|cannot be found|could not be found)", RegexOptions.IgnoreCase)]
    private static partial Regex MissingAfter();

    [GeneratedRegex(@"(\bopen|\bstat|\bload(ing)?|\bread(ing)?|\bfind|\baccess|No such file or directory:?|ENOENT[^/]{0,30}|FileNotFoundException:?|not found:?|Could not (open|find)|cannot (open|find))\s*['""`(\[]?$", RegexOptions.IgnoreCase)]
    private static partial Regex MissingBefore();

    /// <summary>A config file path named on a line (by extension), absolute or relative.</summary>
    public static string? ConfigPath(string line) => ConfigFilePath().Match(line) is { Success: true } m ? m.Groups["p"].Value : null;

    /// <summary>The config file an argument or env value points at: --config=/etc/app/config.yaml, -c config.yml.</summary>
    public static string? ConfigArgument(IReadOnlyList<string> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            var m = ConfigFlag().Match(words[i]);
            if (!m.Success) continue;
            if (m.Groups["v"].Success && m.Groups["v"].Value.Length > 0) return m.Groups["v"].Value;
            if (i + 1 < words.Count && !words[i + 1].StartsWith('-')) return words[i + 1];
        }
        return words.Select(w => ConfigPath(w)).FirstOrDefault(p => p is not null);
    }

    [GeneratedRegex(@"(?:tcp|udp|sctp)://(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(?<port>\d{1,5})")]
    private static partial Regex TcpValue();

    [GeneratedRegex(@"ERR_SOCKET_BAD_PORT|Received NaN|invalid port|port.{0,20}\b(NaN|not a (valid )?number)|bad port|port must be (a number|an integer|between)|Port should be", RegexOptions.IgnoreCase)]
    private static partial Regex BadPort();

    [GeneratedRegex(@"(variables?|env(ironment)? vars?)\b.{0,60}\b(set|defined|required|missing|provided)\b.{0,20}:\s*$|(missing|required|undefined|not set)\b.{0,30}(variables?|env(ironment)? vars?)\s*:\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex VariablesHeader();

    [GeneratedRegex(@"^(?:[-*•]\s*)?([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*$")]
    private static partial Regex ListedName();

    [GeneratedRegex(@"pars|invalid|For input string|not a (valid )?(number|integer|port)|NaN|integer|number|numeric|convert|\bport\b|Atoi|ParseInt|int\(\)|literal|expected|malformed|out of range|BAD_PORT|unknown", RegexOptions.IgnoreCase)]
    private static partial Regex ParseContext();

    [GeneratedRegex(@"refused|timed? ?out|unreachable|no route|could not connect|cannot connect|failed to connect|unable to connect|connecting to|dial tcp", RegexOptions.IgnoreCase)]
    private static partial Regex Connecting();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9_]*_PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_PORT|_ADDR|_PROTO)?)?\b")]
    private static partial Regex PortVariable();

    [GeneratedRegex(@"flag provided but not defined:\s*(?<f>-{0,2}[\w.-]+)|unknown shorthand flag:\s*'(?<short>\w)'|unknown short flag\s*'-?(?<short>\w)'|unknown flag:?\s*(?<f>-{1,2}[\w.-]+)|unrecognized arguments?:\s*(?<f>.+)$|unrecognized option:?\s*(?<f>['""`]?-{1,2}[\w.-]+)|unknown option:?\s*(?<f>['""`]?-{1,2}[\w.-]+)|no such option:\s*(?<f>-{1,2}[\w.-]+)|unexpected argument\s+(?<f>['""`]-{1,2}[\w.-]+)|invalid option -- '?(?<short>\w)|Unknown (?:command-line )?(?:argument|parameter|option|flag)s?:?\s*(?<f>['""`]?-{1,2}[\w.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownFlag();

    [GeneratedRegex(@"field (?<f>[\w.-]+) not found in type (?<t>[\w.*\[\]]+)|field not found, node:\s*(?<f>[\w.-]+)|unknown field\s*[""'`](?<f>[^""'`]+)[""'`]|(?:has )?invalid keys?:\s*(?<f>[\w.-]+(?:,\s*[\w.-]+)*)|Unrecognized field\s*""(?<f>[^""]+)""|unknown (?:setting|config(?:uration)? key|property|configuration property|key)\s*[\[""'`](?<f>[^\]""'`]+)[\]""'`]|unknown configuration (?:option|parameter)s?\s*[""'`]?(?<f>[\w.-]+)|(?:Unrecognized|unknown|unexpected) (?:config(?:uration)? )?(?:key|option|property|parameter)s?:\s*[""'`]?(?<f>[\w.-]+)|extra (?:fields|keys) not permitted:?\s*[""'`]?(?<f>[\w.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownFieldPattern();

    [GeneratedRegex(@"Extra inputs are not permitted|extra fields not permitted", RegexOptions.IgnoreCase)]
    private static partial Regex ExtraForbidden();

    [GeneratedRegex(@"^[A-Za-z_][\w.-]*$")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"\bline (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex LineNumber();

    [GeneratedRegex(@"for user\s+[""'](?<u>[^""'@]+)[""']|for user\s+(?<u>[\w.-]+)|user(?:name)?\s*[""'](?<u>[^""'@]+)[""']\s*(?:@|failed|is not|not)", RegexOptions.IgnoreCase)]
    private static partial Regex RejectedUserPattern();

    [GeneratedRegex(@"password authentication failed|Access denied for user|authentication failed|Login failed for user|NOAUTH|WRONGPASS|invalid (username or )?password|password was incorrect|incorrect password|wrong password|bad credentials|invalid credentials|SASL authentication|401 Unauthorized|invalid (api[ _-]?key|token)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialRejected();

    [GeneratedRegex(@"bind|listen|EACCES.*(port|\d+\.\d+\.\d+\.\d+:\d+|:\d+\b)", RegexOptions.IgnoreCase)]
    private static partial Regex BindRefused();

    [GeneratedRegex(@"(?:\d{1,3}(?:\.\d{1,3}){3}|\]|\*|\blocalhost|::|(?<=[\s(""'=]|^)):(?<p>\d{1,5})(?![\d:.])|\bport[ :=]+(?<p>\d{1,5})\b", RegexOptions.IgnoreCase)]
    private static partial Regex PortOnLine();

    [GeneratedRegex(@"(chown|chmod|change (owner|permissions|ownership)|changing (ownership|permissions)|fchown|lchown|set(ting)? permissions).*(Operation not permitted|EPERM|not permitted)|(Operation not permitted|EPERM).*(chown|chmod|ownership|permissions)", RegexOptions.IgnoreCase)]
    private static partial Regex OwnershipRefused();

    [GeneratedRegex(@"(?<p>(?:[\w.@+-]*/)*[\w.@+-]+\.(?:ya?ml|json|toml|ini|conf|cfg|properties|xml|env|hcl))\b", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigFilePath();

    [GeneratedRegex(@"^-{1,2}(?:config(?:[._-]?file)?|conf|config[._-]?path|settings|c|f)(?:=(?<v>.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigFlag();
}
