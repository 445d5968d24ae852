namespace Webhook.Inbox;

/// <summary>
/// The open (pending or in-flight) items of each alert (route + fingerprint), in arrival order, in memory, so a claim
/// can tell whether an item is its alert's next without a second index written on every insert (see
/// <see cref="KnownKeys"/> for why the intake avoids those). Safe because one process owns the inbox; rebuilt from
/// the open rows at start. Not thread-safe: the inbox uses it under its write gate.
/// </summary>
public sealed class AlertOrder
{
    sealed class Entry(long id, string alert, long startsAt, bool resolved)
    {
        public long Id { get; } = id;
        public string Alert { get; } = alert;
        public long StartsAt { get; } = startsAt;
        public bool Resolved { get; } = resolved;
        public bool InFlight { get; set; }
    }

    readonly Dictionary<string, List<Entry>> _byAlert = new(StringComparer.Ordinal);
    readonly Dictionary<long, Entry> _byId = [];
    /// <summary>Items in flight per route: a claim prefers the route with the fewest, so one route's backlog never takes every worker.</summary>
    readonly Dictionary<string, int> _inFlightByRoute = new(StringComparer.Ordinal);
    /// <summary>Open items not in flight per route, in arrival order: found by route when a backlog hides them from a claim's scan.</summary>
    readonly Dictionary<string, SortedSet<long>> _waitingByRoute = new(StringComparer.Ordinal);

    static string RouteOfAlert(string alert) => alert[..alert.IndexOf('\n')];

    /// <summary>The route of a tracked item, or "" when it is not tracked.</summary>
    public string RouteOf(long id) => _byId.TryGetValue(id, out var entry) ? RouteOfAlert(entry.Alert) : "";

    /// <summary>How many items of this route are in flight now.</summary>
    public int InFlight(string route) => _inFlightByRoute.GetValueOrDefault(route);

    /// <summary>The routes that have items waiting (open, not in flight).</summary>
    public IReadOnlyCollection<string> RoutesWaiting => _waitingByRoute.Keys;

    /// <summary>The first <paramref name="max"/> waiting items of a route, in arrival order.</summary>
    public IReadOnlyList<long> FirstWaiting(string route, int max) =>
        _waitingByRoute.TryGetValue(route, out var waiting) ? [.. waiting.Take(max)] : [];

    void CountInFlight(Entry entry, int delta)
    {
        var route = RouteOfAlert(entry.Alert);
        var count = _inFlightByRoute.GetValueOrDefault(route) + delta;
        if (count <= 0) _inFlightByRoute.Remove(route); else _inFlightByRoute[route] = count;
    }

    void SetWaiting(Entry entry, bool waiting)
    {
        var route = RouteOfAlert(entry.Alert);
        if (waiting)
        {
            if (!_waitingByRoute.TryGetValue(route, out var set)) _waitingByRoute[route] = set = [];
            set.Add(entry.Id);
        }
        else if (_waitingByRoute.TryGetValue(route, out var set) && set.Remove(entry.Id) && set.Count == 0)
        {
            _waitingByRoute.Remove(route);
        }
    }

    public int Count => _byId.Count;

    public static string AlertOf(string route, string fingerprint) => route + "\n" + fingerprint;

    public void Add(long id, string route, string fingerprint, DateTimeOffset startsAt, bool resolved, bool inFlight = false)
    {
        var alert = AlertOf(route, fingerprint);
        var entry = new Entry(id, alert, startsAt.UtcTicks, resolved) { InFlight = inFlight };
        if (!_byId.TryAdd(id, entry)) return;
        if (inFlight) CountInFlight(entry, 1); else SetWaiting(entry, waiting: true);
        if (!_byAlert.TryGetValue(alert, out var list)) _byAlert[alert] = list = new List<Entry>(1);
        // New items have the highest id; only a re-queued old item goes in the middle.
        var at = list.Count;
        while (at > 0 && list[at - 1].Id > id) at--;
        list.Insert(at, entry);
    }

    public void Remove(long id)
    {
        if (!_byId.Remove(id, out var entry)) return;
        if (entry.InFlight) CountInFlight(entry, -1); else SetWaiting(entry, waiting: false);
        var list = _byAlert[entry.Alert];
        list.Remove(entry);
        if (list.Count == 0) _byAlert.Remove(entry.Alert);
    }

    public void SetInFlight(long id, bool inFlight)
    {
        if (!_byId.TryGetValue(id, out var entry) || entry.InFlight == inFlight) return;
        entry.InFlight = inFlight;
        CountInFlight(entry, inFlight ? 1 : -1);
        SetWaiting(entry, waiting: !inFlight);
    }

    public enum Verdict { Claim, Blocked, Supersede }

    /// <summary>
    /// What a claim may do with due item <paramref name="id"/>:
    /// <see cref="Verdict.Claim"/> when it is its alert's earliest open item, or a resolved whose only earlier open
    /// items are pending firings of the same start (those go into <paramref name="superseded"/>: the resolved is
    /// posted instead, never after them); <see cref="Verdict.Supersede"/> for a firing whose resolved is already
    /// queued; <see cref="Verdict.Blocked"/> while an earlier item of its alert must go first.
    /// </summary>
    public Verdict Check(long id, List<long> superseded)
    {
        if (!_byId.TryGetValue(id, out var entry)) return Verdict.Claim; // not tracked (cannot happen): never stall it
        var list = _byAlert[entry.Alert];
        var index = list.IndexOf(entry);
        if (!entry.Resolved)
        {
            for (var i = index + 1; i < list.Count; i++)
                if (list[i].Resolved && list[i].StartsAt == entry.StartsAt && !entry.InFlight) return Verdict.Supersede;
        }
        if (index == 0) return Verdict.Claim;
        if (!entry.Resolved) return Verdict.Blocked;
        for (var i = 0; i < index; i++)
        {
            var earlier = list[i];
            if (earlier.Resolved || earlier.InFlight || earlier.StartsAt != entry.StartsAt) return Verdict.Blocked;
        }
        for (var i = 0; i < index; i++) superseded.Add(list[i].Id);
        return Verdict.Claim;
    }
}
