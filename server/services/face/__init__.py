"""Face checks as a service (SPEC §6): the ``FaceChecker`` protocol (checker.py) and its two
back-ends, the process pool (pool.py) and the task queue (queue.py).

Imports: server.face (the pure pipeline), config, errors, platform (broker, runtime). Sits below
access/audit and every domain package; exams/face_verify.py and assessment use it through ``rt().face``.
"""
