from django.core.management.base import BaseCommand

from inventory_site.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data (users, catalogue, stock, orders) once; running it again changes nothing."

    def handle(self, *args, **options):
        if load_demo(stdout=self.stdout):
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present.")
