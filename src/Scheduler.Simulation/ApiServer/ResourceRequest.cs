using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Scheduler.Simulation.ApiServer;

/// <summary>One request to a resource path: list/watch/create on the collection, get/replace/patch/delete on an object, and the status and binding subresources.</summary>
internal sealed class ResourceRequest
{
    private readonly FakeApiServer _server;
    private readonly HttpContext _context;
    private readonly ApiResource _resource;
    private readonly string? _namespace;
    private readonly string? _name;
    private readonly string? _subresource;

    public ResourceRequest(FakeApiServer server, HttpContext context, ApiResource resource, string? @namespace, string? name, string? subresource)
    {
        _server = server;
        _context = context;
        _resource = resource;
        _namespace = @namespace;
        _name = name;
        _subresource = subresource;
    }

    private IQueryCollection Query => _context.Request.Query;

    private ResourceOperations Operations => _server.Operations;

    public async Task HandleAsync()
    {
        var method = _context.Request.Method;
        if (_subresource is not null && _subresource != "status" && !(_subresource == "binding" && _resource.HasBinding))
        {
            throw ApiError.MethodNotAllowed($"the subresource {_subresource} is not served for {_resource.Plural}");
        }

        var statusOnly = _subresource == "status";
        if (statusOnly && !_resource.HasStatus)
        {
            throw ApiError.MethodNotAllowed($"{_resource.Plural} have no status subresource");
        }

        if (_name is null)
        {
            switch (method)
            {
                case "GET" when IsTrue("watch"):
                    await WatchAsync();
                    return;
                case "GET":
                    await ListAsync();
                    return;
                case "POST":
                    RequireNamespace();
                    var created = Operations.Create(_resource, _namespace, await ReadObjectAsync(), Options());
                    await FakeApiServer.WriteAsync(_context, created, 201);
                    return;
                default:
                    throw ApiError.MethodNotAllowed($"{method} is not supported on the collection of {_resource.Plural}");
            }
        }

        RequireNamespace();
        switch (method)
        {
            case "GET":
                await WriteObjectAsync(Operations.Get(_resource, _namespace, _name));
                return;
            case "POST" when _subresource == "binding":
                var binding = await ReadObjectAsync();
                var node = binding["target"]?["name"]?.GetValue<string>()
                    ?? throw ApiError.Invalid(_resource, _name, [new StatusCause("target.name", "Required value", "FieldValueRequired")]);
                Operations.Bind(_resource, _namespace, _name, node);
                await FakeApiServer.WriteAsync(_context, ApiError.StatusObject("Success", null, null, 201), 201);
                return;
            case "PUT":
                await FakeApiServer.WriteAsync(_context, Operations.Replace(_resource, _namespace, _name, await ReadObjectAsync(), statusOnly, Options()));
                return;
            case "PATCH":
                var contentType = _context.Request.ContentType ?? string.Empty;
                var patch = await ReadBodyAsync();
                if (contentType.StartsWith(Patches.ApplyPatch, StringComparison.OrdinalIgnoreCase))
                {
                    var (applied, created) = Operations.Apply(_resource, _namespace, _name, patch as JsonObject ?? throw ApiError.BadRequest("an apply patch must be a JSON object"), statusOnly, Options());
                    await FakeApiServer.WriteAsync(_context, applied, created ? 201 : 200);
                    return;
                }

                await FakeApiServer.WriteAsync(_context, Operations.Patch(_resource, _namespace, _name, contentType, patch, statusOnly, Options()));
                return;
            case "DELETE":
                await FakeApiServer.WriteAsync(_context, Operations.Delete(_resource, _namespace, _name, await ReadDeleteAsync()));
                return;
            default:
                throw ApiError.MethodNotAllowed($"{method} is not supported on {_resource.Plural}");
        }
    }

    private void RequireNamespace()
    {
        if (_resource.Namespaced && _namespace is null)
        {
            throw ApiError.BadRequest($"{_resource.Plural} are namespaced: use /namespaces/{{namespace}}/{_resource.Plural}");
        }
    }

    private RequestOptions Options() => new(
        DryRun: Query["dryRun"].Any(v => v == "All"),
        StrictFields: string.Equals(Query["fieldValidation"], "Strict", StringComparison.OrdinalIgnoreCase));

    private async Task ListAsync()
    {
        var selector = Selector.Combine(Selector.ParseLabels(Query["labelSelector"]), Selector.ParseFields(Query["fieldSelector"]));
        var (items, revision) = _server.Store.List(_resource, _namespace, selector);
        string? next = null;
        if (Query["continue"].ToString() is { Length: > 0 } token)
        {
            var (tokenRevision, after) = DecodeContinue(token);
            if (tokenRevision < _server.Store.CompactedRevision)
            {
                throw ApiError.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
            }

            items = [.. items.Where(o => string.CompareOrdinal(Key(o), after) > 0)];
        }

        if (int.TryParse(Query["limit"], CultureInfo.InvariantCulture, out var limit) && limit > 0 && items.Count > limit)
        {
            items = items[..limit];
            next = EncodeContinue(revision, Key(items[^1]));
        }

        if (TableConverter.Wants(_context.Request.Headers.Accept))
        {
            var table = TableConverter.Convert(_resource, items, revision, Query["includeObject"], _server.Time.GetUtcNow());
            AddContinue(table, next);
            await FakeApiServer.WriteAsync(_context, table);
            return;
        }

        var list = new JsonObject
        {
            ["kind"] = _resource.ListKind,
            ["apiVersion"] = _resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = FakeApiServer.Revision(revision) },
            ["items"] = new JsonArray([.. items]),
        };
        AddContinue(list, next);
        await FakeApiServer.WriteAsync(_context, list);
    }

    private async Task WriteObjectAsync(JsonObject obj)
    {
        if (TableConverter.Wants(_context.Request.Headers.Accept))
        {
            await FakeApiServer.WriteAsync(_context, TableConverter.Convert(_resource, [obj], _server.ResourceVersion, Query["includeObject"], _server.Time.GetUtcNow()));
            return;
        }

        await FakeApiServer.WriteAsync(_context, obj);
    }

    /// <summary>
    /// A watch: newline-delimited events. Changes are filtered by namespace and selectors; an object that starts or stops
    /// matching is reported as ADDED or DELETED, as the real server does. A too-old resourceVersion gets an ERROR event
    /// carrying a 410 Status, then the stream ends.
    /// </summary>
    private async Task WatchAsync()
    {
        var selector = Selector.Combine(Selector.ParseLabels(Query["labelSelector"]), Selector.ParseFields(Query["fieldSelector"]));
        long? from = long.TryParse(Query["resourceVersion"], CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var bookmarks = IsTrue("allowWatchBookmarks");
        var asTable = TableConverter.Wants(_context.Request.Headers.Accept); // kubectl get --watch prints rows
        var timeout = int.TryParse(Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;

        _context.Response.StatusCode = 200;
        _context.Response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = _server.Store.Subscribe(_resource, from);
        }
        catch (ApiError gone)
        {
            await WriteEventAsync("ERROR", gone.ToStatus());
            return;
        }

        using (subscription)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(_context.RequestAborted, _server.Stopping))
        {
            if (timeout is { } t)
            {
                deadline.CancelAfter(t);
            }

            var lastSent = from ?? 0;
            try
            {
                // Headers first, so a client sees the watch open before any event (the timeout may already run out here).
                await _context.Response.Body.FlushAsync(deadline.Token);
                while (!deadline.IsCancellationRequested)
                {
                    var written = false;
                    while (subscription.Reader.TryRead(out var change))
                    {
                        lastSent = Math.Max(lastSent, change.Revision);
                        var (type, obj) = Filter(change, selector);
                        if (type is null)
                        {
                            continue;
                        }

                        if (asTable)
                        {
                            await WriteEventAsync(type, TableConverter.Convert(_resource, [obj!], change.Revision, Query["includeObject"], _server.Time.GetUtcNow()), flush: false);
                        }
                        else
                        {
                            // The event's line is serialised and encoded once for every watcher; each event is not flushed on its own.
                            await _context.Response.Body.WriteAsync(change.WatchLine(type), _context.RequestAborted);
                        }

                        written = true;
                    }

                    if (written)
                    {
                        await _context.Response.Body.FlushAsync(_context.RequestAborted); // what was queued goes out together
                    }

                    var wait = subscription.Reader.WaitToReadAsync(deadline.Token).AsTask();
                    if (bookmarks)
                    {
                        var tick = Task.Delay(_server.BookmarkInterval, _server.Time, deadline.Token);
                        if (await Task.WhenAny(wait, tick) == tick && !wait.IsCompleted)
                        {
                            await WriteEventAsync("BOOKMARK", Bookmark(Math.Max(lastSent, _server.ResourceVersion)));
                            continue;
                        }
                    }

                    await wait;
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away or the watch's timeout ran out: the stream simply ends.
            }
        }
    }

    private (string? Type, JsonObject? Object) Filter(StoredEvent change, Selector selector)
    {
        bool Matches(JsonObject? o) => o is not null && (_namespace is null || o["metadata"]?["namespace"]?.GetValue<string>() == _namespace) && selector.Matches(o);
        var now = Matches(change.Object);
        return change.Type switch
        {
            "ADDED" => now ? ("ADDED", change.Object) : (null, null),
            "DELETED" => now ? ("DELETED", change.Object) : (null, null),
            _ => (Matches(change.Previous), now) switch
            {
                (true, true) => ("MODIFIED", change.Object),
                (false, true) => ("ADDED", change.Object),
                (true, false) => ("DELETED", change.Object),
                _ => (null, null),
            },
        };
    }

    private JsonObject Bookmark(long revision) => new()
    {
        ["kind"] = _resource.Kind,
        ["apiVersion"] = _resource.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = FakeApiServer.Revision(revision) },
    };

    private async Task WriteEventAsync(string type, JsonObject obj, bool flush = true)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await _context.Response.WriteAsync(line, Encoding.UTF8, _context.RequestAborted);
        if (flush)
        {
            await _context.Response.Body.FlushAsync(_context.RequestAborted);
        }
    }

    private bool IsTrue(string parameter) => Query[parameter].Any(v => v is "true" or "1");

    /// <summary>The body parsed from its UTF-8 bytes (no string of it on the way); null when it is empty or only whitespace.</summary>
    private async Task<JsonNode?> ReadBodyAsync()
    {
        using var body = new MemoryStream();
        await _context.Request.Body.CopyToAsync(body, _context.RequestAborted);
        var json = body.GetBuffer().AsMemory(0, (int)body.Length);
        if (json.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            json = json[Encoding.UTF8.Preamble.Length..];
        }

        return json.Span.TrimStart(" \t\r\n"u8).IsEmpty ? null : JsonNode.Parse(json.Span);
    }

    private async Task<JsonObject> ReadObjectAsync() =>
        await ReadBodyAsync() as JsonObject ?? throw ApiError.BadRequest("the body must be a JSON object");

    private async Task<DeleteRequest> ReadDeleteAsync()
    {
        var body = await ReadBodyAsync() as JsonObject;
        long? grace = long.TryParse(Query["gracePeriodSeconds"], CultureInfo.InvariantCulture, out var g) ? g : JsonPaths.Long(body?["gracePeriodSeconds"]);
        return new DeleteRequest(
            grace,
            body?["preconditions"]?["uid"]?.GetValue<string>(),
            body?["preconditions"]?["resourceVersion"]?.GetValue<string>(),
            Query["dryRun"].Any(v => v == "All") || body?["dryRun"] is JsonArray { Count: > 0 });
    }

    private static string Key(JsonObject obj) => ObjectStore.Key(obj["metadata"]?["namespace"]?.GetValue<string>(), obj["metadata"]!["name"]!.GetValue<string>());

    private static void AddContinue(JsonObject list, string? token)
    {
        if (token is not null)
        {
            list["metadata"]!["continue"] = token;
        }
    }

    private static string EncodeContinue(long revision, string afterKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{revision.ToString(CultureInfo.InvariantCulture)}\n{afterKey}"));

    private static (long Revision, string After) DecodeContinue(string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n', 2);
            return (long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw ApiError.BadRequest("invalid continue token");
        }
    }
}
