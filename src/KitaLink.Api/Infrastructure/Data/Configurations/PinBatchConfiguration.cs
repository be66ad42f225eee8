using KitaLink.Api.Facilities;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class PinBatchConfiguration : IEntityTypeConfiguration<PinBatch>
{
    public void Configure(EntityTypeBuilder<PinBatch> builder)
    {
        builder.Property(b => b.RequestKey).HasMaxLength(100);
        builder.Property(b => b.RequestHash).HasMaxLength(64);
        builder.Property(b => b.Fingerprint).HasMaxLength(64);
        // A client key names one batch per facility; a retry under the same key finds it.
        builder.HasIndex(b => new { b.FacilityId, b.RequestKey }).IsUnique().HasFilter("request_key IS NOT NULL");
        builder.HasIndex(b => new { b.FacilityId, b.Fingerprint, b.CreatedAt });
        builder.HasOne<Facility>().WithMany().HasForeignKey(b => b.FacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(b => b.Entries).WithOne().HasForeignKey(e => e.BatchId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(b => b.Entries).HasField("_entries").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class PinBatchEntryConfiguration : IEntityTypeConfiguration<PinBatchEntry>
{
    public void Configure(EntityTypeBuilder<PinBatchEntry> builder)
    {
        builder.ToTable("pin_batch_entries");
        builder.HasKey(e => new { e.BatchId, e.Position });
        builder.Property(e => e.Outcome).HasConversion<SnakeCaseEnumConverter<PinBatchOutcome>>().HasMaxLength(32);
        builder.Property(e => e.Reason).HasMaxLength(32);
    }
}
