import { useSearchParams } from 'react-router';
import { parseReviewStatus } from '../../features/mpi/review-links.ts';
import { ReviewQueue } from '../../features/mpi/ReviewQueue.tsx';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/reviews`: the master patient index's queue of potential duplicates (`?status=closed` for decided ones). */
export function AdminReviews() {
  const [params] = useSearchParams();
  return (
    <AdminLayout title="Duplicate reviews">
      <ReviewQueue status={parseReviewStatus(params.get('status'))} />
    </AdminLayout>
  );
}
