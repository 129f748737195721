# The Tillit image: the API (gunicorn) and the consumers (engagement consume) run from it.
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md wsgi.py ./
COPY engagement engagement
COPY consumers consumers
COPY schemas schemas
RUN pip install --no-cache-dir . && useradd --system tillit
USER tillit
ENV ENGAGEMENT_INSTANCE_PATH=/tmp/tillit
EXPOSE 8080
CMD ["gunicorn", "-w", "4", "-k", "gthread", "--threads", "8", "-b", "0.0.0.0:8080", "wsgi:app"]
