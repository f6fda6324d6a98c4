using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Specs;

namespace Scheduler.Persistence;

/// <summary>Stores an immutable spec record as <c>jsonb</c>, in the same JSON shape as the API (<see cref="JobSpecJson.Options"/>).</summary>
internal static class JsonColumn
{
    public static PropertyBuilder<T> HasJsonbConversion<T>(this PropertyBuilder<T> property)
        where T : class? =>
        property
            .HasConversion(
                value => JsonSerializer.Serialize(value, JobSpecJson.Options),
                json => JsonSerializer.Deserialize<T>(json, JobSpecJson.Options)!,
                // The records are immutable: a changed spec is a new instance, so reference equality detects every change.
                new ValueComparer<T>((a, b) => ReferenceEquals(a, b), v => v == null ? 0 : v.GetHashCode(), v => v))
            .HasColumnType("jsonb");
}
