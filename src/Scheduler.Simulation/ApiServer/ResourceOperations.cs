using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// The API's write semantics over <see cref="ObjectStore"/>: create (409 AlreadyExists), update with optimistic
/// concurrency (409 Conflict on a stale resourceVersion), status subresources, metadata.generation, finalizers, graceful
/// pod deletion and the binding subresource. Used by the HTTP layer and, in process, by the simulated kubelet.
/// </summary>
internal sealed class ResourceOperations
{
    private static readonly string[] SystemMetadata = ["uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"];
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;

    public ResourceOperations(ObjectStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public ObjectStore Store => _store;

    /// <summary>Consulted on every create after validation (tests: a quota webhook, a missing namespace); null admits everything.</summary>
    public AdmissionHook? Admission { get; set; }

    /// <summary>The ResourceQuota and Pod resources: new pods are admitted against the namespace's quotas (<see cref="ResourceQuotaAdmission"/>).</summary>
    public (ApiResource Quotas, ApiResource Pods)? Quotas { get; init; }

    public JsonObject Get(ApiResource resource, string? @namespace, string name) =>
        _store.Transact(() => _store.Find(resource, @namespace, name)?.DeepClone() as JsonObject) ?? throw ApiError.NotFound(resource, name);

    /// <summary>POST: stores <paramref name="body"/> itself (the caller hands it over: a parsed request body, or one built for this call).</summary>
    /// <returns>The stored object, shared with every reader: never change it.</returns>
    public JsonObject Create(ApiResource resource, string? @namespace, JsonObject body, RequestOptions options)
    {
        var obj = body;
        CheckKind(resource, obj);
        var metadata = JsonPaths.Metadata(obj);
        if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            metadata["name"] = prefix + RandomSuffix();
        }

        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            throw ApiError.Invalid(resource, string.Empty, [new StatusCause("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")]);
        }

        CheckName(resource, name);
        if (metadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 })
        {
            throw ApiError.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var ns = PlaceInNamespace(resource, @namespace, metadata);
        if (resource.HasStatus && resource.Group.Length > 0)
        {
            obj.Remove("status"); // custom resources: status only through the status subresource
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Timestamp(_time.GetUtcNow());
        metadata["generation"] = 1;
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        resource.OnCreate?.Invoke(obj);
        Validate(resource, obj, name, options);
        if (Admission?.Invoke(resource.Kind, ns, obj) is { } refusal)
        {
            throw new ApiError((HttpStatusCode)refusal.Code, refusal.Reason, refusal.Message, resource, name);
        }

        return _store.Transact(() =>
        {
            if (_store.Find(resource, ns, name) is not null)
            {
                throw ApiError.AlreadyExists(resource, name);
            }

            // Under the store's lock, as the quota's usage must not change between the check and the write.
            if (Quotas is { } quota && ReferenceEquals(resource, quota.Pods)
                && ResourceQuotaAdmission.Check(_store, quota.Quotas, quota.Pods, ns!, name, obj) is { } exceeded)
            {
                throw exceeded;
            }

            return options.DryRun ? obj : _store.Put(resource, obj, "ADDED");
        });
    }

    /// <summary>
    /// PUT: the whole object (or, with <paramref name="statusOnly"/>, only its status) replaces the stored one. The caller hands
    /// <paramref name="body"/> over (a parsed request body, or one built for this write): it becomes, or is moved into, the stored object.
    /// </summary>
    /// <returns>The stored object, shared with every reader: never change it.</returns>
    public JsonObject Replace(ApiResource resource, string? @namespace, string name, JsonObject body, bool statusOnly, RequestOptions options)
    {
        CheckKind(resource, body);
        var bodyName = body["metadata"]?["name"]?.GetValue<string>();
        if (bodyName is not null && bodyName != name)
        {
            throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        return _store.Transact(() =>
        {
            var current = _store.Find(resource, @namespace, name) ?? throw ApiError.NotFound(resource, name);
            return Commit(resource, current, body, statusOnly, options);
        });
    }

    /// <summary>PATCH: the patch is applied to the stored object, then written like an update.</summary>
    public JsonObject Patch(ApiResource resource, string? @namespace, string name, string contentType, JsonNode? patch, bool statusOnly, RequestOptions options) =>
        _store.Transact(() =>
        {
            var current = _store.Find(resource, @namespace, name) ?? throw ApiError.NotFound(resource, name);
            var patched = Patches.Apply(current, contentType, patch);
            CheckKind(resource, patched);
            return Commit(resource, current, patched, statusOnly, options);
        });

    /// <summary>
    /// Server-side apply, approximated: creates the object when it is absent, otherwise merges the applied configuration
    /// into it. There is no field ownership, so fields a manager stops applying are not removed. The body is JSON (which
    /// kubectl and KubernetesClient send; YAML bodies are refused).
    /// </summary>
    public (JsonObject Object, bool Created) Apply(ApiResource resource, string? @namespace, string name, JsonObject applied, bool statusOnly, RequestOptions options) =>
        _store.Transact(() =>
        {
            var body = (JsonObject)applied.DeepClone();
            JsonPaths.Metadata(body).Remove("resourceVersion");
            if (_store.Find(resource, @namespace, name) is null)
            {
                JsonPaths.Metadata(body)["name"] = name;
                return (Create(resource, @namespace, body, options), true);
            }

            return (Patch(resource, @namespace, name, Patches.MergePatch, body, statusOnly, options), false);
        });

    public JsonObject Delete(ApiResource resource, string? @namespace, string name, DeleteRequest request) =>
        _store.Transact(() =>
        {
            var current = _store.Find(resource, @namespace, name) ?? throw ApiError.NotFound(resource, name);
            var metadata = current["metadata"]!.AsObject();
            if (request.PreconditionUid is { } uid && uid != metadata["uid"]?.GetValue<string>())
            {
                throw ApiError.Conflict(resource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {metadata["uid"]}");
            }

            if (request.PreconditionResourceVersion is { } rv && rv != metadata["resourceVersion"]?.GetValue<string>())
            {
                throw ApiError.StaleResourceVersion(resource, name);
            }

            var grace = GracePeriod(resource, current, request);
            var hasFinalizers = metadata["finalizers"] is JsonArray { Count: > 0 };
            if (grace > 0 || hasFinalizers)
            {
                var updated = (JsonObject)current.DeepClone();
                var updatedMetadata = updated["metadata"]!.AsObject();
                var deadline = _time.GetUtcNow().AddSeconds(grace);
                if (updatedMetadata["deletionTimestamp"]?.GetValue<string>() is { } existing && ParseTimestamp(existing) <= deadline)
                {
                    return (JsonObject)current.DeepClone(); // already terminating at least as soon
                }

                updatedMetadata["deletionTimestamp"] = Timestamp(deadline);
                updatedMetadata["deletionGracePeriodSeconds"] = grace;
                return request.DryRun ? updated : _store.Put(resource, updated, "MODIFIED");
            }

            return request.DryRun ? (JsonObject)current.DeepClone() : _store.Remove(resource, @namespace, name)!;
        });

    /// <summary>POST pods/{name}/binding: assigns the pod to a node, once.</summary>
    public void Bind(ApiResource pods, string? @namespace, string podName, string nodeName) =>
        _store.Transact(() =>
        {
            var current = _store.Find(pods, @namespace, podName) ?? throw ApiError.NotFound(pods, podName);
            if (current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } assigned)
            {
                throw ApiError.Conflict(pods, podName, $"pod {podName} is already assigned to node \"{assigned}\"");
            }

            if (current["metadata"]?["deletionTimestamp"] is not null)
            {
                throw ApiError.Conflict(pods, podName, "pod is being deleted, cannot be assigned to a host");
            }

            var updated = (JsonObject)current.DeepClone();
            JsonPaths.Child(updated, "spec")["nodeName"] = nodeName;
            SetCondition(JsonPaths.Child(updated, "status"), "PodScheduled", "True", _time.GetUtcNow());
            return _store.Put(pods, updated, "MODIFIED");
        });

    /// <summary>Removes terminating objects whose grace period ran out and that have no finalizers left; returns how many.</summary>
    public int RemoveExpired(ApiResource resource)
    {
        var now = _time.GetUtcNow();
        return _store.Transact(() =>
        {
            // The store's index of terminating objects: no scan of every pod under the lock.
            var expired = _store.Terminating(resource)
                .Where(o => o["metadata"]?["deletionTimestamp"]?.GetValue<string>() is { } ts && ParseTimestamp(ts) <= now)
                .Where(o => o["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
                .ToList();
            foreach (var obj in expired)
            {
                _store.Remove(resource, obj["metadata"]?["namespace"]?.GetValue<string>(), obj["metadata"]!["name"]!.GetValue<string>());
            }

            return expired.Count;
        });
    }

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTimestamp(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static void SetCondition(JsonObject status, string type, string value, DateTimeOffset now)
    {
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        if (existing is not null && existing["status"]?.GetValue<string>() == value)
        {
            return;
        }

        if (existing is not null)
        {
            conditions.Remove(existing);
        }

        conditions.Add(new JsonObject { ["type"] = type, ["status"] = value, ["lastTransitionTime"] = Timestamp(now) });
    }

    /// <summary>The update path shared by PUT and PATCH, called under the store's lock.</summary>
    private JsonObject Commit(ApiResource resource, JsonObject current, JsonObject proposed, bool statusOnly, RequestOptions options)
    {
        var name = current["metadata"]!["name"]!.GetValue<string>();
        var currentVersion = current["metadata"]!["resourceVersion"]?.GetValue<string>();
        var proposedMetadata = JsonPaths.Metadata(proposed);
        if (proposedMetadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version && version != currentVersion)
        {
            throw ApiError.StaleResourceVersion(resource, name);
        }

        JsonObject updated;
        if (statusOnly)
        {
            updated = (JsonObject)current.DeepClone();
            MoveMember(proposed, updated, "status"); // proposed is this write's own (a request body, a patched copy)
        }
        else
        {
            updated = proposed;
            if (resource.HasStatus)
            {
                CopyMember(current, updated, "status");
            }
        }

        var metadata = JsonPaths.Metadata(updated);
        foreach (var field in SystemMetadata)
        {
            CopyMember(current["metadata"]!.AsObject(), metadata, field);
        }

        metadata["resourceVersion"] = currentVersion;
        if (!statusOnly)
        {
            Validate(resource, updated, name, options); // may prune unknown fields, so before comparing specs
        }

        // A status write copies everything but the status from the stored object: only the status can differ, so only it is
        // compared (the kubelet's status writes are most of the simulated cluster's writes, and a pod's spec is most of it).
        if (!statusOnly && !JsonNode.DeepEquals(current["spec"], updated["spec"]))
        {
            metadata["generation"] = (JsonPaths.Long(current["metadata"]!["generation"]) ?? 1) + 1;
        }

        if ((statusOnly ? JsonNode.DeepEquals(current["status"], updated["status"]) : JsonNode.DeepEquals(current, updated)) || options.DryRun)
        {
            return updated; // a no-op write keeps the resourceVersion and wakes no watcher
        }

        var @namespace = metadata["namespace"]?.GetValue<string>();
        if (metadata["deletionTimestamp"] is not null && metadata["finalizers"] is not JsonArray { Count: > 0 }
            && (!resource.GracefulDeletion || JsonPaths.Long(metadata["deletionGracePeriodSeconds"]) == 0))
        {
            _store.Put(resource, updated, "MODIFIED");
            return _store.Remove(resource, @namespace, name)!; // the last finalizer is gone: the deletion completes
        }

        return _store.Put(resource, updated, "MODIFIED");
    }

    private static void MoveMember(JsonObject from, JsonObject to, string member)
    {
        if (from[member] is { } value)
        {
            from.Remove(member);
            to[member] = value;
        }
        else
        {
            to.Remove(member);
        }
    }

    private static void CopyMember(JsonObject from, JsonObject to, string member)
    {
        if (from[member] is { } value)
        {
            to[member] = value.DeepClone();
        }
        else
        {
            to.Remove(member);
        }
    }

    private static long GracePeriod(ApiResource resource, JsonObject current, DeleteRequest request)
    {
        if (!resource.GracefulDeletion)
        {
            return 0;
        }

        // Pods that never reached a node, or already finished, go at once, as on a real server.
        var bound = current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 };
        var phase = current["status"]?["phase"]?.GetValue<string>();
        if (!bound || phase is "Succeeded" or "Failed")
        {
            return 0;
        }

        return Math.Max(0, request.GracePeriodSeconds ?? JsonPaths.Long(current["spec"]?["terminationGracePeriodSeconds"]) ?? 30);
    }

    private static void CheckKind(ApiResource resource, JsonObject obj)
    {
        if (obj["kind"]?.GetValue<string>() is { } kind && kind != resource.Kind)
        {
            throw ApiError.BadRequest($"the kind of the object ({kind}) does not match the resource ({resource.Kind})");
        }

        if (obj["apiVersion"]?.GetValue<string>() is { } apiVersion && apiVersion != resource.ApiVersion)
        {
            throw ApiError.BadRequest($"the apiVersion of the object ({apiVersion}) does not match the resource ({resource.ApiVersion})");
        }

        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
    }

    private static string? PlaceInNamespace(ApiResource resource, string? @namespace, JsonObject metadata)
    {
        if (!resource.Namespaced)
        {
            metadata.Remove("namespace");
            return null;
        }

        var given = metadata["namespace"]?.GetValue<string>();
        if (given is { Length: > 0 } && @namespace is not null && given != @namespace)
        {
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var ns = @namespace ?? given ?? "default";
        metadata["namespace"] = ns;
        return ns;
    }

    private static void CheckName(ApiResource resource, string name)
    {
        var valid = name.Length <= 253 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')
            && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
        if (!valid)
        {
            throw ApiError.Invalid(resource, name, [new StatusCause("metadata.name",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")]);
        }
    }

    private static void Validate(ApiResource resource, JsonObject obj, string name, RequestOptions options)
    {
        if (AnnotationBytes(obj) is var bytes and > MaxAnnotationBytes)
        {
            throw ApiError.Invalid(resource, name, [new StatusCause("metadata.annotations",
                $"Too long: must have at most {MaxAnnotationBytes} bytes (got {bytes})", "FieldValueTooLong")]);
        }

        if (resource.Validate?.Invoke(obj, options.StrictFields) is { Count: > 0 } causes)
        {
            throw ApiError.Invalid(resource, name, causes);
        }
    }

    /// <summary>The API server's limit on an object's annotations, keys and values together (256 KiB).</summary>
    private const int MaxAnnotationBytes = 256 * 1024;

    private static int AnnotationBytes(JsonObject obj) =>
        (obj["metadata"]?["annotations"] as JsonObject)?.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Key)
            + System.Text.Encoding.UTF8.GetByteCount(a.Value?.GetValue<string>() ?? string.Empty)) ?? 0;

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
#pragma warning disable CA5394 // generated names need no cryptographic randomness
        return new string([.. Enumerable.Range(0, 5).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)])]);
#pragma warning restore CA5394
    }
}
