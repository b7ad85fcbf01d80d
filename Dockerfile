# Interdiction Tracker, following Streamlit's deployment guide: slim Python, non-root user,
# data on a volume, health check on Streamlit's own endpoint.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    # The incident file lives on the volume, so what the form adds survives a new container.
    INTERDICTION_TRACKER_DATA=/data/incidents.csv \
    # Set this (or mount .streamlit/secrets.toml with editor_passphrase) to require a
    # passphrase for adding and reviewing incidents; unset, the app runs in open local mode.
    INTERDICTION_TRACKER_EDITOR_PASSPHRASE="" \
    # Named editors' passphrase hashes, kept on the volume beside the data: add one with
    # docker run --rm -it -v tracker-data:/data --entrypoint python IMAGE -m dashboard editors add NAME
    INTERDICTION_TRACKER_EDITORS_FILE=/data/editors.toml

WORKDIR /app

COPY requirements.txt .
# The image leaves out the optional FollowTheMoney export (requirements-ftm.txt): it would need a
# C++ toolchain and ICU's headers to build PyICU; the Table page says how to enable it.
RUN pip install --no-cache-dir -r requirements.txt

COPY dashboard/ dashboard/
COPY data/ data/
COPY seeds/ seeds/
COPY .streamlit/ .streamlit/

# Copy the map's Leaflet files where Streamlit serves them, and seed the volume with the
# curated data; then hand both to an unprivileged user.
RUN python -m dashboard.assets \
    && mkdir -p /data \
    && cp data/incidents.csv /data/incidents.csv \
    && useradd --create-home --uid 10001 tracker \
    && chown -R tracker:tracker /data /app/dashboard/static

USER 10001
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]

ENTRYPOINT ["python", "-m", "streamlit", "run", "dashboard/app.py", \
            "--server.port=8501", "--server.address=0.0.0.0"]
