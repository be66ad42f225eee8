using KitaLink.Api.Children;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class ChildConfiguration : IEntityTypeConfiguration<Child>
{
    public void Configure(EntityTypeBuilder<Child> builder)
    {
        builder.Property(c => c.Version).IsRowVersion();
        builder.Property(c => c.FirstName).HasMaxLength(100);
        builder.Property(c => c.LastName).HasMaxLength(100);
        builder.Property(c => c.Group).HasMaxLength(100);
        builder.HasIndex(c => new { c.FacilityId, c.LastName, c.FirstName });
        builder.HasOne(c => c.Facility).WithMany().HasForeignKey(c => c.FacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(c => c.Guardians).WithOne(g => g.Child).HasForeignKey(g => g.ChildId).OnDelete(DeleteBehavior.Cascade);
    }
}
