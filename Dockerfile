FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# gettext: compilemessages (below) builds the translations' .mo files with its msgfmt.
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no secret of the deployment.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN DJANGO_SECRET_KEY=build-only python manage.py compilemessages -v0 --ignore=staticfiles
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
# Empty variables (from an env_file) are dropped, so that empty means "default".
ENTRYPOINT ["sh", "scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "inventory_site.wsgi", "-c", "gunicorn.conf.py"]
