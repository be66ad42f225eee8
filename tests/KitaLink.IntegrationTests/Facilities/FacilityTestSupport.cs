using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Facilities;

/// <summary>Assertions and direct database access shared by the facility-side tests.</summary>
public static class FacilityTestSupport
{
    /// <summary>Asserts that <c>errors</c> names exactly the given fields (JSON field names, case-insensitive).</summary>
    public static void AssertErrorFields(JsonElement problem, params string[] fields)
    {
        var errors = problem.GetProperty("errors");
        var named = errors.EnumerateObject().Select(p => p.Name.ToLowerInvariant()).Order().ToList();
        Assert.True(named.SequenceEqual(fields.Select(f => f.ToLowerInvariant()).Order()), $"errors: {errors}");
        foreach (var property in errors.EnumerateObject())
        {
            Assert.True(property.Value.GetArrayLength() > 0, $"No message for {property.Name}");
        }
    }

    /// <summary>Runs <paramref name="work"/> on a fresh DbContext of the service under test.</summary>
    public static async Task<T> WithDbAsync<T>(this KitaLinkFactory factory, Func<KitaLinkDbContext, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>());
    }

    public static Task WithDbAsync(this KitaLinkFactory factory, Func<KitaLinkDbContext, Task> work) =>
        factory.WithDbAsync(async db =>
        {
            await work(db);
            return true;
        });

    /// <summary>An instant at PostgreSQL's precision (microseconds), to compare with values read back.</summary>
    public static DateTimeOffset Micro(DateTimeOffset instant) => instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerMicrosecond));

    public static string UniqueEmail(string prefix = "eltern") => $"{prefix}-{Guid.NewGuid():N}@example.com";
}
