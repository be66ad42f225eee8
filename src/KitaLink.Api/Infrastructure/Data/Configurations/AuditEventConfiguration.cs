using KitaLink.Api.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.ActorName).HasMaxLength(254);
        builder.Property(e => e.ClientAddress).HasMaxLength(64);
        builder.Property(e => e.Data).HasColumnType("jsonb");
        builder.HasIndex(e => new { e.FacilityId, e.ChildId, e.OccurredAt });
        builder.HasIndex(e => new { e.AccountId, e.OccurredAt });
    }
}
