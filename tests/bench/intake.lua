-- One-alert Alertmanager payload with a distinct fingerprint per request, so every request commits a new item.
-- Each thread of each wrk run draws its own prefix from the kernel: a counter alone repeats across threads and runs
-- (an earlier version repeated every fingerprint once, so half the requests were duplicates).
local counter = 0
local uuid = io.open("/proc/sys/kernel/random/uuid"):read("*l")

local template = [[{"version":"4","groupKey":"{}:{alertname=\"KubePodCrashLooping\"}","status":"firing","receiver":"crashloop","groupLabels":{"alertname":"KubePodCrashLooping"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","truncatedAlerts":0,"alerts":[{"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"shop","pod":"api-7d9f8c6b5-x2x4q","container":"api","severity":"warning"},"annotations":{"summary":"Pod is crash looping."},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"%s"}]}]]

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token"

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(template, "bench-" .. uuid .. "-" .. counter))
end
