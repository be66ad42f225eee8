using System.Runtime.CompilerServices;
using KitaLink.Api.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KitaLink.Api.Audit;

/// <summary>
/// Counts audit events once they are saved (<c>kitalink.audit.events</c> by action): PIN pairs created, redeemed
/// and locked, failed sign-ins, lockouts, ... The audit trail already records every such fact in the same
/// transaction as the change, so the metric needs no call in the features and never counts a rolled-back save.
/// </summary>
internal sealed class AuditMetrics(KitaLinkMetrics metrics) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, string[]> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Remember(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Remember(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Count(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Count(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Remember(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var actions = context.ChangeTracker.Entries<AuditEvent>()
            .Where(e => e.State == EntityState.Added)
            .Select(e => e.Entity.Action)
            .ToArray();
        if (actions.Length > 0)
        {
            _pending.AddOrUpdate(context, actions);
        }
    }

    private void Count(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out var actions))
        {
            _pending.Remove(context);
            foreach (var action in actions)
            {
                metrics.AuditEvent(action);
            }
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }
}
